import FedRecData
import FedRecMath
import FedRecModels
import Testing
@testable import FedRecFederation

@Suite struct ClientTests {
    @Test func ridgeFitMatchesHandWorkedExample() {
        // d = 1, μ = 0, b_i = 0, q_0 = 1, q_1 = 2; ratings 1 and 2; λ = 1.
        // Φ = [[1, 1], [2, 1]], y = [1, 2]: (ΦᵀΦ + I) = [[6, 3], [3, 3]], Φᵀy = [5, 3]
        // ⇒ (p, b) = (1/9)·[[3, −3], [−3, 6]]·[5, 3] = (2/3, 1/3).
        let model = ItemModel(globalMean: 0, itemBias: [0, 0], itemFactors: [1, 2], dim: 1)
        let client = Client(id: 0, trainItems: [0, 1], trainRatings: [1, 2])
        let fit = client.fitUser(model: model, userRegularization: 1, workspace: ClientWorkspace(dim: 1))
        #expect(abs(fit.factors[0] - 2.0 / 3) < 1e-6)
        #expect(abs(fit.bias - 1.0 / 3) < 1e-6)
    }

    @Test(arguments: [3, 11, 32])
    func ridgeFitMatchesNormalEquationsSolvedDirectly(dim: Int) throws {
        var rng = SeededGenerator(seed: UInt64(dim))
        let items = 40
        let model = ItemModel(itemCount: items, dim: dim, globalMean: 3.2, initScale: 0.7, using: &rng)
        // Random biases too, and a repeated item (weight 2 in the Gram matrix).
        var m = model
        for i in 0..<items { m.parameters[1 + i] = Float(Gaussian.sample(using: &rng)) * 0.3 }
        let trainItems: [Int32] = [5, 17, 3, 5, 30, 8, 22, 11, 39, 0, 14, 27]
        let ratings: [Float] = trainItems.map { _ in Float(1 + rng.nextIndex(below: 5)) }
        let client = Client(id: 0, trainItems: trainItems, trainRatings: ratings)
        let lambda: Float = 0.7
        let fit = client.fitUser(model: m, userRegularization: lambda, workspace: ClientWorkspace(dim: dim))
        // Reference: build (ΦᵀΦ + λI) x = Φᵀy in double precision and solve with FedRecMath.
        let n = dim + 1
        var a = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
        for (j, item) in trainItems.enumerated() {
            let i = Int(item)
            var phi = m.parameters[m.factorRange(of: i)].map(Double.init)
            phi.append(1)
            let y = Double(ratings[j]) - Double(m.globalMean) - Double(m.bias(of: i))
            for r in 0..<n {
                b[r] += phi[r] * y
                for c in 0..<n { a[r * n + c] += phi[r] * phi[c] }
            }
        }
        for r in 0..<n { a[r * n + r] += Double(lambda) }
        let x = try #require(Cholesky.solve(a, b))
        for k in 0..<dim { #expect(abs(Double(fit.factors[k]) - x[k]) < 1e-3 * max(1, abs(x[k]))) }
        #expect(abs(Double(fit.bias) - x[dim]) < 1e-3)
    }

    @Test func updateTouchesOnlyTheClientsOwnItems() {
        var rng = SeededGenerator(seed: 3)
        let model = ItemModel(itemCount: 10, dim: 4, globalMean: 3, initScale: 0.1, using: &rng)
        var client = Client(id: 2, trainItems: [7, 1, 4], trainRatings: [5, 2, 4])
        var crng = SeededGenerator(seed: 9, stream: [2, 1])
        let result = client.train(model: model, config: LocalTrainingConfig(), workspace: ClientWorkspace(dim: 4), using: &crng)
        #expect(result.update.touchedItems == [1, 4, 7])
        let dense = result.update.denseVector()
        for i in [0, 2, 3, 5, 6, 8, 9] {
            #expect(dense[1 + i] == 0)
            #expect(dense[model.factorRange(of: i)].allSatisfy { $0 == 0 })
        }
        #expect(result.updateNorm > 0)
        #expect(result.ratingCount == 3)
    }

    @Test func divergedLocalTrainingSendsAZeroUpdateNotNaN() {
        var rng = SeededGenerator(seed: 3)
        let model = ItemModel(itemCount: 10, dim: 4, globalMean: 3, initScale: 0.1, using: &rng)
        var client = Client(id: 2, trainItems: [7, 1, 4], trainRatings: [5, 1, 4])
        var crng = SeededGenerator(seed: 9, stream: [2, 1])
        let result = client.train(model: model, config: LocalTrainingConfig(epochs: 50, learningRate: 1e30),
                                  workspace: ClientWorkspace(dim: 4), using: &crng)
        #expect(result.update.norm() == 0)
        #expect(result.updateNorm == 0)
        #expect(result.update.denseVector().allSatisfy { $0 == 0 })
    }

    @Test func clientUpdateIsUnchangedWhenAnotherClientsDataChanges() {
        // Two data sets that agree on user 0 and differ completely on user 1.
        let a = RatingsDataset(userCount: 2, itemCount: 6, users: [0, 0, 0, 1, 1], items: [0, 2, 3, 1, 2], ratings: [4, 3, 5, 1, 2])
        let b = RatingsDataset(userCount: 2, itemCount: 6, users: [1, 0, 1, 0, 0, 1], items: [5, 0, 4, 2, 3, 0], ratings: [5, 4, 5, 3, 5, 1])
        let empty = RatingsDataset(userCount: 2, itemCount: 6, users: [], items: [], ratings: [])
        var ca = Client.population(train: a, heldOut: empty)[0]
        var cb = Client.population(train: b, heldOut: empty)[0]
        var rng = SeededGenerator(seed: 5)
        let model = ItemModel(itemCount: 6, dim: 3, globalMean: 3, initScale: 0.3, using: &rng)
        let config = LocalTrainingConfig(epochs: 3)
        var ra = SeededGenerator(seed: 7, stream: [0, 4]), rb = SeededGenerator(seed: 7, stream: [0, 4])
        let ua = ca.train(model: model, config: config, workspace: ClientWorkspace(dim: 3), using: &ra)
        let ub = cb.train(model: model, config: config, workspace: ClientWorkspace(dim: 3), using: &rb)
        #expect(ua.update == ub.update)
        #expect(ua.lossSum == ub.lossSum)
    }

    @Test func persistentClientKeepsItsEmbeddingAndReconstructingClientKeepsNothing() {
        var rng = SeededGenerator(seed: 11)
        let model = ItemModel(itemCount: 5, dim: 2, globalMean: 3, initScale: 0.3, using: &rng)
        var persistent = Client(id: 0, trainItems: [0, 1, 2], trainRatings: [5, 1, 4])
        var reconstructing = persistent
        let ws = ClientWorkspace(dim: 2)
        var r1 = SeededGenerator(seed: 1, stream: [0, 1])
        _ = persistent.train(model: model, config: LocalTrainingConfig(userState: .persistent), workspace: ws, using: &r1)
        let stored = persistent.userEmbedding
        #expect(stored != nil)
        // The local epochs train the stored embedding, so it differs from a fresh ridge fit.
        let fresh = persistent.fitUser(model: model, userRegularization: 1, workspace: ws)
        #expect(stored != fresh)
        var r2 = SeededGenerator(seed: 1, stream: [0, 1])
        _ = reconstructing.train(model: model, config: LocalTrainingConfig(userState: .reconstruct), workspace: ws, using: &r2)
        #expect(reconstructing.userEmbedding == nil)
    }

    @Test func evaluationScoresOnlyHeldOutRatingsClampedToTheScale() {
        // d = 1 model where the fitted user predicts far above 5 for item 1: clamped to 5.
        let model = ItemModel(globalMean: 0, itemBias: [0, 10], itemFactors: [1, 0], dim: 1)
        let client = Client(id: 0, trainItems: [0], trainRatings: [0], heldOutItems: [1], heldOutRatings: [4])
        let sums = client.evaluate(model: model, userRegularization: 1, scale: .stars, workspace: ClientWorkspace(dim: 1))
        #expect(sums.count == 1)
        #expect(abs(sums.sumSquaredError - 1) < 1e-9)
        #expect(abs(sums.sumAbsoluteError - 1) < 1e-9)
    }
}
