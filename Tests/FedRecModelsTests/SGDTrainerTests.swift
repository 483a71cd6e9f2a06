import FedRecData
import FedRecMath
import Testing
import FedRecModels

@Suite struct SGDTrainerTests {
    /// One SGD step on a single rating must move every parameter by −η·∂ℓ/∂θ, where ℓ is the
    /// documented per-rating objective; the gradient is checked by central differences.
    @Test func stepFollowsFiniteDifferenceGradientOfObjective() throws {
        var config = SGDConfig()
        config.dim = 3
        config.biasRegularization = 0.3
        config.factorRegularization = 0.2
        let trainer = try SGDTrainer(config: config)
        let data = RatingsDataset(userCount: 2, itemCount: 2, users: [1], items: [0], ratings: [4.5])
        var rng = SeededGenerator(seed: 3)
        var model = BiasedMF(userCount: 2, itemCount: 2, dim: 3, globalMean: 3, initScale: 0.7, using: &rng)
        model.userBias = [0.1, -0.4]
        model.itemBias = [0.25, 0.6]
        let objective = { (m: BiasedMF) in
            m.objective(on: data, biasRegularization: config.biasRegularization,
                        factorRegularization: config.factorRegularization)
        }
        // Central differences of ℓ with respect to one parameter reached by `path`.
        func numericGradient(_ path: WritableKeyPath<BiasedMF, [Float]>, _ index: Int) -> Double {
            let h: Float = 1e-2
            var plus = model, minus = model
            plus[keyPath: path][index] += h
            minus[keyPath: path][index] -= h
            let step = Double(plus[keyPath: path][index]) - Double(minus[keyPath: path][index])
            return (objective(plus) - objective(minus)) / step
        }
        let eta: Float = 1e-3
        var stepped = model
        let triples = RatingTriple.pack(data)
        _ = triples.withUnsafeBufferPointer { trainer.runEpoch(&stepped, ratings: $0, learningRate: eta) }
        let parameters: [(WritableKeyPath<BiasedMF, [Float]>, Int)] =
            [(\.userBias, 1), (\.itemBias, 0)] + (3..<6).map { (\.userFactors, $0) } + (0..<3).map { (\.itemFactors, $0) }
        for (path, index) in parameters {
            let implied = (Double(model[keyPath: path][index]) - Double(stepped[keyPath: path][index])) / Double(eta)
            let numeric = numericGradient(path, index)
            #expect(abs(implied - numeric) <= 1e-3 * max(1, abs(numeric)), "parameter \(path) [\(index)]: \(implied) vs \(numeric)")
            #expect(abs(numeric) > 1e-3, "a vanishing gradient would make this check vacuous")
        }
        // Parameters of the user and item not rated must not move.
        #expect(stepped.userBias[0] == model.userBias[0] && stepped.itemBias[1] == model.itemBias[1])
        #expect(stepped.userFactors[0..<3] == model.userFactors[0..<3] && stepped.itemFactors[3..<6] == model.itemFactors[3..<6])
    }

    @Test func recoversPlantedLowRankModelToNoiseLevel() throws {
        let planted = PlantedData()
        var config = SGDConfig()
        config.dim = 4
        config.learningRate = 0.02
        config.learningRateDecay = 0.97
        config.factorRegularization = 0.02
        config.biasRegularization = 0.01
        config.epochs = 80
        config.initScale = 0.1
        let model = try SGDTrainer(config: config).train(on: planted.train)
        let rmse = Metrics.errors(of: model, on: planted.test).rmse
        // About 1.1·σ is expected from estimating rank-4 factors from ~27 ratings per user;
        // 1.2·σ still separates recovery from the mean baseline (≈ 4.5·σ).
        #expect(rmse < 1.2 * planted.noise, "held-out RMSE \(rmse), noise \(planted.noise)")
        #expect(planted.meanBaselineRMSE > 3 * planted.noise)
    }

    @Test func sameSeedGivesSameModelBits() throws {
        let planted = PlantedData(users: 60, items: 40, density: 0.3)
        var config = SGDConfig()
        config.dim = 8
        config.epochs = 3
        let a = try SGDTrainer(config: config).train(on: planted.train)
        let b = try SGDTrainer(config: config).train(on: planted.train)
        #expect(a.userFactors == b.userFactors && a.itemFactors == b.itemFactors)
        #expect(a.userBias == b.userBias && a.itemBias == b.itemBias)
        config.seed += 1
        let c = try SGDTrainer(config: config).train(on: planted.train)
        #expect(c.itemFactors != a.itemFactors)
    }

    @Test func trainingErrorDecreasesAcrossEpochs() throws {
        let planted = PlantedData(users: 100, items: 80, density: 0.2)
        var config = SGDConfig()
        config.dim = 8
        config.epochs = 10
        var errors: [Double] = []
        _ = try SGDTrainer(config: config).train(on: planted.train) { epoch, rmse in
            #expect(epoch == errors.count + 1)
            errors.append(rmse)
        }
        #expect(errors.count == 10)
        #expect(errors.last! < errors.first!)
    }

    static let invalidConfigs: [SGDConfig] = {
        let base = SGDConfig()
        var list: [SGDConfig] = []
        var c = base; c.dim = 0; list.append(c)
        c = base; c.learningRate = -0.1; list.append(c)
        c = base; c.learningRateDecay = 1.5; list.append(c)
        c = base; c.factorRegularization = .nan; list.append(c)
        c = base; c.epochs = -1; list.append(c)
        return list
    }()

    @Test(arguments: invalidConfigs)
    func rejectsInvalidConfiguration(_ config: SGDConfig) {
        #expect(throws: ModelError.self) { try SGDTrainer(config: config) }
    }

    @Test func errorMessageNamesTheParameterAndItsRange() {
        var config = SGDConfig()
        config.learningRate = -0.1
        do {
            _ = try SGDTrainer(config: config)
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error.code == .invalidParameter)
            #expect(error.message.contains("learningRate") && error.message.contains("-0.1"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
