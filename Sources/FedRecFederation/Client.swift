import FedRecData

/// One simulated federated client: a single user's own interactions and its local user state.
///
/// A client owns **copies** of its training and held-out ratings (item indices and ratings)
/// and nothing else: no reference back to the data set, so its update can depend only on its
/// own data and on the global model it is sent. See ``train(model:config:workspace:using:)``
/// for the local step and ``evaluate(model:userRegularization:scale:workspace:)`` for scoring.
public struct Client: Sendable {
    /// The client's index in the population (its user index); names its random stream.
    public let id: Int
    /// Items of the client's training ratings.
    public let trainItems: [Int32]
    /// The client's training ratings, parallel to ``trainItems``.
    public let trainRatings: [Float]
    /// Items of the client's held-out ratings.
    public let heldOutItems: [Int32]
    /// The client's held-out ratings, parallel to ``heldOutItems``.
    public let heldOutRatings: [Float]
    /// The distinct training items, increasing: the item rows the client's update touches.
    public let touchedItems: [Int32]
    /// For each training rating, the index of its item in ``touchedItems``.
    let localRow: [Int32]
    /// The stored user embedding (persistent mode), nil before the client's first round.
    public internal(set) var userEmbedding: UserEmbedding?

    /// Creates a client from copies of one user's interactions.
    /// - Precondition: item and rating arrays have equal lengths; item indices are ≥ 0.
    /// - Complexity: O(n log n) in the number of training ratings.
    public init(
        id: Int, trainItems: [Int32], trainRatings: [Float],
        heldOutItems: [Int32] = [], heldOutRatings: [Float] = []
    ) {
        precondition(trainItems.count == trainRatings.count && heldOutItems.count == heldOutRatings.count,
                     "Client: items and ratings differ in length")
        self.id = id
        self.trainItems = trainItems
        self.trainRatings = trainRatings
        self.heldOutItems = heldOutItems
        self.heldOutRatings = heldOutRatings
        let sorted = trainItems.indices.sorted { (trainItems[$0], $0) < (trainItems[$1], $1) }
        var touched: [Int32] = []
        var local = [Int32](repeating: 0, count: trainItems.count)
        for j in sorted {
            precondition(trainItems[j] >= 0, "Client: negative item index")
            if touched.last != trainItems[j] { touched.append(trainItems[j]) }
            local[j] = Int32(touched.count - 1)
        }
        touchedItems = touched
        localRow = local
        userEmbedding = nil
    }

    /// One client per user of a train/held-out split (both data sets in the same index space),
    /// in user-index order. Users without training ratings get clients with empty histories.
    /// - Precondition: `train` and `heldOut` have the same user and item counts.
    /// - Complexity: O(ratings + users).
    public static func population(train: RatingsDataset, heldOut: RatingsDataset) -> [Client] {
        precondition(train.userCount == heldOut.userCount && train.itemCount == heldOut.itemCount,
                     "Client.population: train and held-out sets differ in shape")
        let tr = train.byUser(), te = heldOut.byUser()
        return (0..<train.userCount).map { u in
            let a = tr.range(of: u), b = te.range(of: u)
            return Client(id: u, trainItems: Array(tr.items[a]), trainRatings: Array(tr.ratings[a]),
                          heldOutItems: Array(te.items[b]), heldOutRatings: Array(te.ratings[b]))
        }
    }

    /// Forgets the stored user embedding (the next round reconstructs it).
    public mutating func resetUserState() { userEmbedding = nil }

    /// Restores a user embedding kept on the client's own disk between runs (persistent user state).
    /// - Precondition: the embedding has the model's dimension, when one is set.
    public mutating func restoreUserState(_ embedding: UserEmbedding?) { userEmbedding = embedding }
}
