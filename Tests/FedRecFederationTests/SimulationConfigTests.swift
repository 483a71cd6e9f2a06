import FedRecData
import Testing
@testable import FedRecFederation

@Suite struct SimulationConfigTests {
    func expectRefusal(naming option: String, _ body: () throws -> Void) {
        #expect {
            try body()
        } throws: { error in
            guard let e = error as? FederationError else { return false }
            return e.message.contains(option)
        }
    }

    @Test func defaultsAreValid() throws {
        let c = try SimulationConfig()
        #expect(c.rounds > 0)
        #expect(c.sampling == .poisson(rate: 0.1))
    }

    @Test(arguments: [0.0, -0.1, 1.5, .nan])
    func refusesSamplingRateOutsideZeroToOne(q: Double) {
        expectRefusal(naming: "--sampling-rate") { _ = try SimulationConfig(sampling: .poisson(rate: q)) }
    }

    @Test func refusesZeroRoundsZeroDimAndBadLocalSettings() {
        expectRefusal(naming: "--rounds") { _ = try SimulationConfig(rounds: 0) }
        expectRefusal(naming: "--dim") { _ = try SimulationConfig(dim: 0) }
        expectRefusal(naming: "--clients-per-round") { _ = try SimulationConfig(sampling: .fixedSize(clientsPerRound: 0)) }
        expectRefusal(naming: "--local-epochs") { _ = try SimulationConfig(local: LocalTrainingConfig(epochs: 0)) }
        expectRefusal(naming: "--local-lr") { _ = try SimulationConfig(local: LocalTrainingConfig(learningRate: 0)) }
        expectRefusal(naming: "--user-reg") { _ = try SimulationConfig(local: LocalTrainingConfig(userRegularization: 0)) }
        expectRefusal(naming: "--threads") { _ = try SimulationConfig(threads: 0) }
        expectRefusal(naming: "--eval-every") { _ = try SimulationConfig(evaluateEvery: -1) }
    }

    let data = PlantedData(users: 20, items: 15, perUser: 6, dim: 2, noise: 0.1, seed: 1)

    @Test func refusesMoreClientsPerRoundThanClients() throws {
        let config = try SimulationConfig(sampling: .fixedSize(clientsPerRound: 21))
        expectRefusal(naming: "--clients-per-round") {
            _ = try Simulation(train: data.train, heldOut: data.heldOut, config: config)
        }
    }

    struct PretendPrivate: UpdatePrivatizer {
        var isPrivate: Bool { true }
        func privatizeClientUpdate(_ update: inout ModelUpdate, using rng: inout some RandomNumberGenerator) {}
        func privatizeAggregate(_ sum: inout [Float], participants: Int, using rng: inout some RandomNumberGenerator) -> AggregateDecision { .release }
    }

    @Test func refusesFixedSizeSamplingInAPrivateRunAndSaysWhy() throws {
        let config = try SimulationConfig(sampling: .fixedSize(clientsPerRound: 5))
        #expect {
            _ = try Simulation(train: data.train, heldOut: data.heldOut, config: config, privatizer: PretendPrivate())
        } throws: { error in
            guard let e = error as? FederationError else { return false }
            return e.code == .incompatibleOptions && e.message.contains("Poisson") && e.message.contains("--clients-per-round")
        }
        // The same sampling is fine without privacy.
        _ = try Simulation(train: data.train, heldOut: data.heldOut, config: config)
    }

    @Test func refusesADataSetWithNoHeldOutUsers() throws {
        let none = RatingsDataset(userCount: data.train.userCount, itemCount: data.train.itemCount, users: [], items: [], ratings: [])
        #expect {
            _ = try Simulation(train: data.train, heldOut: none, config: SimulationConfig())
        } throws: { error in
            (error as? FederationError)?.code == .invalidData && "\(error)".contains("held-out")
        }
    }

    @Test func refusesImplicitFeedback() throws {
        var train = data.train, heldOut = data.heldOut
        train.feedback = .implicit
        heldOut.feedback = .implicit
        #expect {
            _ = try Simulation(train: train, heldOut: heldOut, config: SimulationConfig())
        } throws: { error in
            (error as? FederationError)?.code == .invalidData && "\(error)".contains("implicit")
        }
    }

    @Test func refusesTrainAndHeldOutSetsOfDifferentShapes() throws {
        let other = RatingsDataset(userCount: 3, itemCount: 2, users: [0], items: [1], ratings: [4])
        #expect(throws: FederationError.self) {
            _ = try Simulation(train: data.train, heldOut: other, config: SimulationConfig())
        }
    }
}
