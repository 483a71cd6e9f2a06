import FedRecPrivacy

extension ResolvedPrivacy {
    /// The privacy seam of a federated run under this plan: clip and noise as planned, or, with
    /// `adaptive` set, a clip bound that tracks a quantile of the update norms (Andrew et al. 2021)
    /// starting from the plan's C, with the update noise raised to z_Δ so that the accounted z is
    /// unchanged. The count noise defaults to q·N/20 (the paper's σ_b ≈ expected clients / 20).
    /// `startingClipBound` replaces the plan's C as the adaptive bound's current value (a server
    /// resuming from a checkpoint); it is ignored for a fixed C.
    /// - Throws: `PrivacyError` for adaptive settings out of range or a z no z_Δ can meet.
    public func privatizer(adaptive: AdaptiveClippingSettings?, population: Int,
                           startingClipBound: Double? = nil) throws -> GaussianPrivatizer {
        guard let a = adaptive else {
            return GaussianPrivatizer(mechanism: mechanism, placement: placement, noise: noise)
        }
        let expected = samplingRate * Double(population)
        let state = try AdaptiveClipping(
            initialClipBound: startingClipBound ?? mechanism.clipBound, targetQuantile: a.targetQuantile, learningRate: a.learningRate,
            countNoiseStddev: a.countNoiseStddev ?? max(expected / 20, 1e-9))
        return try GaussianPrivatizer(accounted: mechanism, adaptive: state, placement: placement, noise: noise)
    }
}
