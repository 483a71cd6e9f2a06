import FedRecData
import Testing
import FedRecModels

@Suite struct CentralizedTrainerTests {
    @Test(arguments: ["sgd", "als"])
    func reportsEveryEpochWithHeldOutMetrics(algorithm: String) throws {
        let planted = PlantedData(users: 80, items: 60, density: 0.25)
        var sgd = SGDConfig(); sgd.dim = 8; sgd.epochs = 4
        var als = ALSConfig(); als.dim = 8; als.sweeps = 4
        let trainer = try CentralizedTrainer(algorithm == "sgd" ? .sgd(sgd) : .als(als))
        var reports: [EpochReport] = []
        let model = try trainer.train(on: planted.train, heldOut: planted.test,
                                      ranking: try RankingEvaluator(cutoffs: [10])) { reports.append($0) }
        #expect(reports.map(\.epoch) == [1, 2, 3, 4])
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.elapsedSeconds <= $1.elapsedSeconds })
        let last = try #require(reports.last?.heldOut)
        #expect(last == Metrics.errors(of: model, on: planted.test))
        #expect(reports.last?.ranking?.userCount ?? 0 > 0)
        #expect(reports.last!.trainRMSE < reports.first!.trainRMSE)
    }

    @Test func rejectsEmptyTrainingSet() throws {
        let empty = RatingsDataset(userCount: 2, itemCount: 2, users: [], items: [], ratings: [])
        #expect(throws: ModelError.self) { try CentralizedTrainer(.sgd(SGDConfig())).train(on: empty) }
    }

    @Test func rejectsHeldOutSetOfAnotherShape() throws {
        let train = RatingsDataset(userCount: 2, itemCount: 2, users: [0], items: [1], ratings: [3])
        let test = RatingsDataset(userCount: 3, itemCount: 2, users: [2], items: [1], ratings: [3])
        #expect(throws: ModelError.self) { try CentralizedTrainer(.als(ALSConfig())).train(on: train, heldOut: test) }
    }

    @Test func divergenceIsReportedAsAnError() throws {
        let planted = PlantedData(users: 40, items: 30, density: 0.3)
        var config = SGDConfig()
        config.dim = 8
        config.learningRate = 50
        config.epochs = 20
        do {
            _ = try CentralizedTrainer(.sgd(config)).train(on: planted.train)
            Issue.record("a learning rate of 50 should diverge")
        } catch let error as ModelError {
            #expect(error.code == .diverged)
        }
    }
}
