import FedRecMath
import Testing
@testable import FedRecFederation

@Suite struct AggregatorTests {
    let zeroModel = ItemModel(globalMean: 0, itemBias: [0, 0], itemFactors: [0, 0], dim: 1)

    func update(_ item: Int32, _ mean: Float, _ bias: Float, _ factor: Float) -> ModelUpdate {
        ModelUpdate(itemCount: 2, dim: 1, touchedItems: [item], globalMeanDelta: mean, rows: [bias, factor])
    }

    @Test func dividesByTheFixedDenominatorNotByTheNumberOfUpdates() {
        // Two updates arrive but q·N = 10 were expected: the step is sum / 10 (DP-FedAvg).
        var agg = Aggregator(model: zeroModel, optimizer: .fedAvg(learningRate: 1))
        agg.add(update(0, 1, 2, 4))
        agg.add(update(1, 1, 6, 8))
        #expect(agg.pendingCount == 2)
        var rng = SeededGenerator(seed: 0)
        let decision = agg.finishRound(denominator: 10, privatizer: IdentityPrivatizer(), using: &rng)
        #expect(decision == .release)
        let expected: [Float] = [0.2, 0.2, 0.6, 0.4, 0.8]
        #expect(zip(agg.model.parameters, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(agg.pendingCount == 0)
    }

    @Test func mergingChunkPartialsEqualsAddingUpdatesOneByOne() {
        var rng = SeededGenerator(seed: 4)
        let updates = (0..<6).map { k in
            update(Int32(k % 2), Float(Gaussian.sample(using: &rng)), Float(Gaussian.sample(using: &rng)), Float(k))
        }
        var direct = Aggregator(model: zeroModel, optimizer: .fedAvg(learningRate: 1))
        for u in updates { direct.add(u) }
        var merged = Aggregator(model: zeroModel, optimizer: .fedAvg(learningRate: 1))
        var partial = UpdateAccumulator(itemCount: 2, dim: 1)
        for u in updates { partial.add(u) }
        merged.merge(&partial)
        #expect(merged.pendingCount == 6)
        var r1 = SeededGenerator(seed: 0), r2 = SeededGenerator(seed: 0)
        direct.finishRound(denominator: 6, privatizer: IdentityPrivatizer(), using: &r1)
        merged.finishRound(denominator: 6, privatizer: IdentityPrivatizer(), using: &r2)
        #expect(direct.model == merged.model)
    }

    /// A privatizer that discards rounds with fewer than `minimum` updates (like the
    /// distributed-trust minimum count) and adds a marker to released sums.
    struct MinimumCount: UpdatePrivatizer {
        let minimum: Int
        var isPrivate: Bool { true }
        func privatizeClientUpdate(_ update: inout ModelUpdate, using rng: inout some RandomNumberGenerator) {
            update.withDenseValues { v in for k in v.indices { v[k] += 1 } }
        }
        func privatizeAggregate(_ sum: inout [Float], participants: Int, using rng: inout some RandomNumberGenerator) -> AggregateDecision {
            participants < minimum ? .discard(reason: "only \(participants) updates") : .release
        }
    }

    @Test func discardedRoundLeavesModelAndOptimizerStateUnchanged() {
        var agg = Aggregator(model: zeroModel, optimizer: .fedAvgM(learningRate: 1, momentum: 0.5))
        agg.add(update(0, 1, 1, 1))
        var rng = SeededGenerator(seed: 0)
        let decision = agg.finishRound(denominator: 1, privatizer: MinimumCount(minimum: 2), using: &rng)
        #expect(decision == .discard(reason: "only 1 updates"))
        #expect(agg.model == zeroModel)
        #expect(agg.optimizerState.step == 0)
        // The discarded sum does not leak into the next round.
        agg.add(update(1, 0, 0, 3))
        agg.add(update(1, 0, 0, 3))
        agg.finishRound(denominator: 2, privatizer: MinimumCount(minimum: 2), using: &rng)
        #expect(agg.model.parameters == [0, 0, 0, 0, 3])
    }
}
