/// The cryptographically secure generator for noise that protects real people.
///
/// It draws from the operating system's CSPRNG, the same source as the standard library's
/// `SystemRandomNumberGenerator`. Nothing about its output can be reproduced, by design.
public struct SecureGenerator: RandomNumberGenerator, Sendable {
    private var system = SystemRandomNumberGenerator()

    /// Creates a generator backed by the system CSPRNG.
    public init() {}

    /// Returns the next 64 secure random bits.
    public mutating func next() -> UInt64 { system.next() }
}
