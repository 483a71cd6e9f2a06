import FedRecMath
import Testing
@testable import FedRecModels

@Suite struct ImplicitSamplerTests {
    @Test func negativesNeverIncludeTheUsersPositives() throws {
        var rng = SeededGenerator(seed: 11)
        let positives: [Int32] = (0..<30).map { _ in Int32(rng.nextIndex(below: 50)) } + [0, 49]
        let sampler = try ImplicitSampler(positives: positives, itemCount: 50)
        let own = Set(positives)
        for _ in 0..<10_000 {
            let item = sampler.sample(using: &rng)
            #expect(item >= 0 && item < 50)
            #expect(!own.contains(item))
        }
    }

    @Test func negativesAreUniformOverTheComplement() throws {
        // 20 negatives, 20 000 draws: each count is Binomial(20 000, 1/20), mean 1000,
        // sd √(20 000 · 0.05 · 0.95) ≈ 30.8; 5 sd = 154 bounds every count (fixed seed).
        let positives: [Int32] = (0..<30).map { Int32($0 * 5 / 3) }.filter { $0 < 50 }
        let sampler = try ImplicitSampler(positives: positives, itemCount: 50)
        var counts = [Int](repeating: 0, count: 50)
        var rng = SeededGenerator(seed: 12)
        let draws = 1000 * sampler.negativeCount
        for _ in 0..<draws { counts[Int(sampler.sample(using: &rng))] += 1 }
        let sd = (Double(draws) / Double(sampler.negativeCount) * (1 - 1 / Double(sampler.negativeCount))).squareRoot()
        for item in 0..<50 {
            if sampler.positives.contains(Int32(item)) {
                #expect(counts[item] == 0)
            } else {
                #expect(abs(Double(counts[item]) - 1000) < 5 * sd)
            }
        }
    }

    @Test func userWithAllButOneItemAlwaysGetsThatItem() throws {
        let positives = (0..<100).filter { $0 != 17 }.map(Int32.init)
        let sampler = try ImplicitSampler(positives: positives, itemCount: 100)
        var rng = SeededGenerator(seed: 13)
        for _ in 0..<200 { #expect(sampler.sample(using: &rng) == 17) }
    }

    @Test func userWithEveryItemIsRefusedWithAClearError() {
        let error = #expect(throws: ModelError.self) {
            try ImplicitSampler(positives: (0..<10).map(Int32.init) + [3, 3], itemCount: 10)
        }
        #expect(error?.code == .noNegativeItems)
        #expect(error?.message.contains("all 10 items") == true)
    }

    @Test func outOfRangeItemsAreRejected() {
        #expect(throws: ModelError.self) { try ImplicitSampler(positives: [3, 10], itemCount: 10) }
        #expect(throws: ModelError.self) { try ImplicitSampler(positives: [-1], itemCount: 10) }
    }

    @Test func duplicatesAreMergedAndSorted() throws {
        let sampler = try ImplicitSampler(positives: [5, 1, 5, 3, 1], itemCount: 8)
        #expect(sampler.positives == [1, 3, 5])
        #expect(sampler.negativeCount == 5)
    }
}
