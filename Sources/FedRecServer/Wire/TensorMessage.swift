/// A decoded tensor message: a round number, the layout, and all values in one flat array.
///
/// Values are flat because the federation treats all global parameters as one vector (clipped and
/// noised together); `range(of:)` finds one tensor inside it.
public struct TensorMessage: Sendable, Equatable {
    /// The round this model belongs to, or the update is for.
    public var round: UInt64
    /// The tensors in order.
    public var layout: [TensorSpec]
    /// All values, tensor after tensor, each row-major; `values.count` is the sum of the counts.
    public var values: [Float]

    /// Creates a message.
    /// - Precondition: `values.count` equals the total element count of `layout`.
    public init(round: UInt64, layout: [TensorSpec], values: [Float]) {
        precondition(values.count == layout.reduce(0) { $0 + $1.count }, "values do not fill the layout")
        precondition(Set(layout.map(\.name)).count == layout.count, "tensor names must be distinct")
        self.round = round
        self.layout = layout
        self.values = values
    }

    /// The index range of the tensor named `name` inside `values`.
    public func range(of name: String) -> Range<Int>? {
        var offset = 0
        for spec in layout {
            if spec.name == name { return offset..<(offset + spec.count) }
            offset += spec.count
        }
        return nil
    }

    /// The values of the tensor named `name`.
    public func tensor(named name: String) -> ArraySlice<Float>? {
        range(of: name).map { values[$0] }
    }
}
