import FedRecMath

/// A fully connected layer y = W·x + b applied to a mini-batch, whose parameters live in a
/// slice of a larger flat parameter vector.
///
/// Layout inside the vector, from `offset`: W (`outputCount × inputCount`, row-major), then
/// b (`outputCount`). The layer owns no storage: it maps its slice of a flat vector, so a whole
/// network's weights can be clipped, noised and averaged as one dense update.
/// The activation (ReLU or none) is applied by the caller.
public struct DenseLayer: Sendable, Hashable {
    /// Width of the input x.
    public let inputCount: Int
    /// Width of the output y.
    public let outputCount: Int
    /// Index of W[0, 0] in the flat parameter vector.
    public let offset: Int

    /// Creates a layer reading its parameters at `offset`.
    public init(inputCount: Int, outputCount: Int, offset: Int) {
        precondition(inputCount > 0 && outputCount > 0 && offset >= 0, "DenseLayer: invalid shape")
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.offset = offset
    }

    /// Number of parameters: outputCount·(inputCount + 1).
    public var parameterCount: Int { outputCount * (inputCount + 1) }
    /// Where the weights W sit in the flat vector.
    public var weightRange: Range<Int> { offset..<(offset + outputCount * inputCount) }
    /// Where the bias b sits in the flat vector.
    public var biasRange: Range<Int> { (offset + outputCount * inputCount)..<(offset + parameterCount) }
    /// The first index after this layer's parameters.
    public var end: Int { offset + parameterCount }

    /// Y = W·X + b·1ᵀ for a feature-major batch: X is `inputCount × batch` (one column per
    /// example), Y is `outputCount × batch` (see ``MatrixKernels``).
    /// - Complexity: O(batch·inputCount·outputCount); no allocation.
    public func forward(
        parameters: UnsafeBufferPointer<Float>, input: UnsafeBufferPointer<Float>,
        output: UnsafeMutableBufferPointer<Float>, batch: Int
    ) {
        precondition(parameters.count >= end, "DenseLayer.forward: parameter vector too short")
        MatrixKernels.affine(input: input, weights: UnsafeBufferPointer(rebasing: parameters[weightRange]),
                             bias: UnsafeBufferPointer(rebasing: parameters[biasRange]), output: output,
                             batch: batch, inputCount: inputCount, outputCount: outputCount)
    }

    /// The backward pass: given G_Y = ∂L/∂Y (`outputCount × batch`), adds ∂L/∂W = G_Y·Xᵀ and
    /// ∂L/∂b = G_Y·1 into `parameterGradient` (same layout as the parameters) and, when
    /// `inputGradient` is given, overwrites it with ∂L/∂X = Wᵀ·G_Y (`inputCount × batch`).
    /// - Complexity: O(batch·inputCount·outputCount); no allocation.
    public func backward(
        parameters: UnsafeBufferPointer<Float>, input: UnsafeBufferPointer<Float>,
        outputGradient: UnsafeBufferPointer<Float>, inputGradient: UnsafeMutableBufferPointer<Float>?,
        parameterGradient: UnsafeMutableBufferPointer<Float>, batch: Int
    ) {
        precondition(parameters.count >= end && parameterGradient.count >= end, "DenseLayer.backward: parameter vector too short")
        MatrixKernels.accumulateOuterProducts(
            outputGradient: outputGradient, input: input,
            weightGradient: UnsafeMutableBufferPointer(rebasing: parameterGradient[weightRange]),
            biasGradient: UnsafeMutableBufferPointer(rebasing: parameterGradient[biasRange]),
            batch: batch, inputCount: inputCount, outputCount: outputCount)
        if let inputGradient {
            MatrixKernels.transposedProduct(
                outputGradient: outputGradient, weights: UnsafeBufferPointer(rebasing: parameters[weightRange]),
                inputGradient: inputGradient, batch: batch, inputCount: inputCount, outputCount: outputCount)
        }
    }

    /// How a layer's initial weights are drawn; biases start at zero either way.
    public enum Initialization: Sendable, Hashable {
        /// He et al., "Delving Deep into Rectifiers", ICCV 2015: W ~ N(0, 2 / fan_in), which
        /// keeps activation variance constant through ReLU layers.
        case he
        /// Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
        /// networks", AISTATS 2010: W ~ U(−a, a), a = √(6 / (fan_in + fan_out)), for layers
        /// without a ReLU (NeuMF's fusion layer).
        case glorot
    }

    /// Draws W by `scheme` and sets b to zero in `parameters`.
    public func initialize(
        _ parameters: UnsafeMutableBufferPointer<Float>, scheme: Initialization, using rng: inout some RandomNumberGenerator
    ) {
        precondition(parameters.count >= end, "DenseLayer.initialize: parameter vector too short")
        switch scheme {
        case .he:
            let sd = (2.0 / Double(inputCount)).squareRoot()
            for i in weightRange { parameters[i] = Float(Gaussian.sample(using: &rng) * sd) }
        case .glorot:
            let a = (6.0 / Double(inputCount + outputCount)).squareRoot()
            for i in weightRange { parameters[i] = Float((2 * rng.nextUnitDouble() - 1) * a) }
        }
        for i in biasRange { parameters[i] = 0 }
    }
}
