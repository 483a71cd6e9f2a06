import FedRecMath
import Testing
@testable import FedRecFederation

@Suite struct ClientSamplingTests {
    @Test func poissonSampleSizeHasBinomialMean() {
        // Σ over 50 rounds of Binomial(N = 10 000, q = 0.1): mean 50 000, sd = √(50·N·q(1−q)) ≈ 212.
        let n = 10_000, q = 0.1, rounds = 50
        var total = 0
        for t in 0..<rounds {
            var rng = SeededGenerator(seed: 17, stream: [UInt64(t)])
            let s = ClientSampling.poisson(rate: q).sample(population: n, using: &rng)
            #expect(zip(s, s.dropFirst()).allSatisfy { $0 < $1 }, "increasing, no repeats")
            #expect(s.allSatisfy { $0 >= 0 && Int($0) < n })
            total += s.count
        }
        let sd = (Double(rounds * n) * q * (1 - q)).squareRoot()
        #expect(abs(Double(total) - Double(rounds * n) * q) < 5 * sd)
    }

    @Test(arguments: [0, 1, 499])
    func everyClientJoinsWithProbabilityQ(client: Int) {
        // 2 000 independent rounds, q = 0.3: count ~ Binomial(2000, 0.3), mean 600, sd ≈ 20.5.
        // Checks the first, second and last positions, where gap-skipping has its edge cases.
        var hits = 0
        for t in 0..<2000 {
            var rng = SeededGenerator(seed: 23, stream: [UInt64(t)])
            if ClientSampling.poisson(rate: 0.3).sample(population: 500, using: &rng).contains(Int32(client)) { hits += 1 }
        }
        #expect(abs(Double(hits) - 600) < 5 * (2000 * 0.3 * 0.7).squareRoot())
    }

    @Test func fullRateSamplesEveryone() {
        var rng = SeededGenerator(seed: 1)
        #expect(ClientSampling.poisson(rate: 1).sample(population: 7, using: &rng) == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test func fixedSizeSamplesExactlyMDistinctClientsUniformly() {
        // Client 0 is chosen with probability M/N = 0.2: over 2 000 rounds mean 400, sd ≈ 17.9.
        var hits = 0
        for t in 0..<2000 {
            var rng = SeededGenerator(seed: 29, stream: [UInt64(t)])
            let s = ClientSampling.fixedSize(clientsPerRound: 10).sample(population: 50, using: &rng)
            #expect(s.count == 10)
            #expect(Set(s).count == 10)
            #expect(s == s.sorted())
            if s.first == 0 { hits += 1 }
        }
        #expect(abs(Double(hits) - 400) < 5 * (2000 * 0.2 * 0.8).squareRoot())
    }

    @Test func expectedParticipantsIsQTimesNOrM() {
        #expect(ClientSampling.poisson(rate: 0.01).expectedParticipants(population: 100_000) == 1000)
        #expect(ClientSampling.fixedSize(clientsPerRound: 37).expectedParticipants(population: 100_000) == 37)
    }
}
