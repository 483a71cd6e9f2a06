/// Scratch memory for local training and evaluation, reused across the clients one thread
/// runs so that no allocation happens per rating (and almost none per client).
///
/// Not thread-safe: each worker thread owns one. Item rows are stored padded to a multiple of
/// 8 floats so the Gram-matrix and SGD kernels run on whole SIMD8 vectors.
public final class ClientWorkspace {
    /// Latent dimension d.
    public let dim: Int
    /// Row stride: d rounded up to a multiple of 8.
    let stride: Int
    let gram: UnsafeMutablePointer<Float>
    let cross: UnsafeMutablePointer<Float>
    let rhs: UnsafeMutablePointer<Float>
    let user: UnsafeMutablePointer<Float>
    let matrix: UnsafeMutablePointer<Double>
    let vector: UnsafeMutablePointer<Double>
    private(set) var rows: UnsafeMutablePointer<Float>
    private(set) var biases: UnsafeMutablePointer<Float>
    private(set) var order: UnsafeMutablePointer<Int32>
    private(set) var weights: UnsafeMutablePointer<Float>
    private(set) var targets: UnsafeMutablePointer<Float>
    private var rowCapacity = 0
    private var orderCapacity = 0

    /// Creates a workspace for models of latent dimension `dim`.
    public init(dim: Int) {
        precondition(dim > 0, "ClientWorkspace: dim must be positive")
        self.dim = dim
        stride = (dim + 7) & ~7
        gram = .allocate(capacity: stride * stride)
        cross = .allocate(capacity: stride)
        rhs = .allocate(capacity: stride)
        user = .allocate(capacity: stride)
        user.initialize(repeating: 0, count: stride)
        matrix = .allocate(capacity: (dim + 1) * (dim + 1))
        vector = .allocate(capacity: dim + 1)
        rows = .allocate(capacity: 0)
        biases = .allocate(capacity: 0)
        order = .allocate(capacity: 0)
        weights = .allocate(capacity: 0)
        targets = .allocate(capacity: 0)
    }

    deinit {
        gram.deallocate(); cross.deallocate(); rhs.deallocate(); user.deallocate()
        matrix.deallocate(); vector.deallocate()
        rows.deallocate(); biases.deallocate(); order.deallocate(); weights.deallocate(); targets.deallocate()
    }

    /// Grows the buffers to hold `rowCount` item rows and `ratingCount` ratings.
    func reserve(rows rowCount: Int, ratings ratingCount: Int) {
        if rowCount > rowCapacity {
            let capacity = max(rowCount, rowCapacity * 2)
            rows.deallocate(); biases.deallocate(); weights.deallocate(); targets.deallocate()
            rows = .allocate(capacity: capacity * stride)
            biases = .allocate(capacity: capacity)
            weights = .allocate(capacity: capacity)
            targets = .allocate(capacity: capacity)
            rowCapacity = capacity
        }
        if ratingCount > orderCapacity {
            let capacity = max(ratingCount, orderCapacity * 2)
            order.deallocate()
            order = .allocate(capacity: capacity)
            orderCapacity = capacity
        }
    }
}
