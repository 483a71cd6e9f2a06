/// Whether a client keeps its user embedding between the rounds it joins.
public enum UserState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Keep p_u and b_u across rounds (`--user-state persistent`): the first round a client
    /// joins it reconstructs them; later rounds start from the stored values and train them
    /// jointly with the item rows during the local epochs.
    case persistent
    /// Rebuild p_u and b_u from the client's history at the start of every round it joins
    /// (`--user-state reconstruct`; Singhal et al., "Federated Reconstruction: Partially Local
    /// Federated Learning", NeurIPS 2021). Nothing user-specific is stored between rounds, so
    /// clients that join rarely or for the first time are served just as well.
    case reconstruct
}
