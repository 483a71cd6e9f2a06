extension Duration {
    /// The duration in seconds as a `Double` (seconds + attoseconds·10⁻¹⁸), for reports and
    /// timing fields; the one conversion every module above FedRecMath uses.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
