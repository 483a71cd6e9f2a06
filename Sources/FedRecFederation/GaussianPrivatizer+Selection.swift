extension GaussianPrivatizer {
    /// True for secure noise: a run with secure noise draws its participants from the CSPRNG too.
    public var drawsSecureNoise: Bool { noise == .secure }
}
