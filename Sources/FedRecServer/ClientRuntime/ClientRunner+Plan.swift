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
        do {
            try requirements.check(mechanism, placement: plan.placement ?? .perParty, rounds: plan.rounds)
        } catch {
            throw ServerError(.weakPlan, "refusing to take part, nothing was sent: \((error as? PrivacyError)?.message ?? "\(error)")")
        }
        return mechanism
    }

    /// Whether `new` (fetched after a server restart) trains the same model as `old`: the same
    /// kind, shape and item count, so the users' state and the updates still fit.
    static func sameModel(_ old: TrainingPlan, _ new: TrainingPlan) -> Bool {
        old.modelKind == new.modelKind && old.itemCount == new.itemCount && old.dim == new.dim && old.layout == new.layout
    }
}
