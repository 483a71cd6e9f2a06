import FedRecPrivacy

extension ClientRunner {
    /// Checks a published plan against ``requirements`` and returns its mechanism.
    ///
    /// Called on the first plan, before the client checks in or sends anything, and again on every
    /// plan fetched after a server restart (a new `instance`), before the client takes part in the
    /// re-opened round. A missing placement counts as per-party, as the training code treats it.
    /// - Throws: `ServerError(.weakPlan)` quoting the requirement the plan fails;
    ///   `ServerError(.badResponse)` if the published parameters are invalid.
    func checkedMechanism(of plan: TrainingPlan) throws(ServerError) -> GaussianMechanism? {
        let mechanism = try plan.mechanism()
        guard let requirements, !requirements.isEmpty else { return mechanism }
        try check(requirements, plan: plan, clipBound: nil)
        return mechanism
    }

    /// The mechanism of one round: the plan's under a fixed C; under adaptive clipping the plan's
    /// z_Δ, trust and m with the round's C_t from the check-in, held to ``requirements`` again
    /// (a bound that grew past the client's maximum C ends the run, nothing sent).
    /// - Throws: `ServerError(.badResponse)` if an adaptive server sent no valid C_t;
    ///   `ServerError(.weakPlan)` below the floor.
    func roundMechanism(_ mechanism: GaussianMechanism?, plan: TrainingPlan, clipBound: Double?) throws(ServerError) -> GaussianMechanism? {
        guard plan.adaptiveClipping == true else { return mechanism }
        guard let mechanism, let c = clipBound else {
            throw ServerError(.badResponse, "the server adapts its clip bound but sent no clip bound with the check-in")
        }
        let round: GaussianMechanism
        do {
            round = try GaussianMechanism(noiseMultiplier: mechanism.noiseMultiplier, clipBound: c, trust: mechanism.trust,
                                          minimumUpdates: mechanism.minimumUpdates)
        } catch {
            throw ServerError(.badResponse, "the server's clip bound for this round is invalid: \(error)")
        }
        guard let requirements, !requirements.isEmpty else { return round }
        try check(requirements, plan: plan, clipBound: c)
        return round
    }

    /// Holds `plan` (with the round's C_t, under adaptive clipping) to the floor. Under adaptive
    /// clipping the floor's z is compared with the accounted z (update and count together), and a
    /// floor that asks for protection against the server itself (`requireOwnNoise`, a server-view
    /// ε) refuses the plan: the client's bit 1[‖Δ‖ ≤ C_t] reaches the server without noise.
    private func check(_ requirements: ClientPrivacyRequirements, plan: TrainingPlan, clipBound: Double?) throws(ServerError) {
        func weak(_ reason: String) -> ServerError { ServerError(.weakPlan, "refusing to take part, nothing was sent: \(reason)") }
        if plan.adaptiveClipping == true, requirements.requireOwnNoise || requirements.maximumServerViewEpsilon != nil {
            throw weak("the server adapts its clip bound: each participant reports the bit 1[norm <= C] to the server without noise (only the aggregate count is noised), so no guarantee against the server itself covers it")
        }
        var mechanism = try plan.accountedMechanism()
        if let m = mechanism, let c = clipBound {
            mechanism = try? GaussianMechanism(noiseMultiplier: m.noiseMultiplier, clipBound: c, trust: m.trust, minimumUpdates: m.minimumUpdates)
        }
        do {
            try requirements.check(mechanism, placement: plan.placement ?? .perParty, rounds: plan.rounds)
        } catch {
            throw weak((error as? PrivacyError)?.message ?? "\(error)")
        }
    }

    /// Whether `new` (fetched after a server restart) trains the same model as `old`: the same
    /// kind, shape and item count, so the users' state and the updates still fit.
    static func sameModel(_ old: TrainingPlan, _ new: TrainingPlan) -> Bool {
        old.modelKind == new.modelKind && old.itemCount == new.itemCount && old.dim == new.dim && old.layout == new.layout
    }
}
