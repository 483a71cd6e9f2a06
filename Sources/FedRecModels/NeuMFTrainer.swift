import FedRecData
import FedRecMath

/// What one epoch of ``NeuMFTrainer`` did.
public struct NeuMFEpochReport: Sendable, Hashable {
    /// The epoch number, from 1.
    public var epoch: Int
    /// Mean per-example training loss (cross-entropy or squared error) over the epoch.
    public var meanLoss: Double
    /// Wall-clock seconds the epoch took, negative sampling and shuffling included.
    public var seconds: Double
    /// Wall-clock training seconds since the first epoch began (time spent in the callback excluded).
    public var elapsedSeconds: Double
    /// Examples processed (positives plus negatives for implicit data).
    public var exampleCount: Int
}

/// Centralized NeuMF training over a pooled ``RatingsDataset``: the baseline every federated
/// run is compared with.
///
/// **Implicit objective.** Every interaction (or, with
/// ``NeuMFTrainingOptions/positiveThreshold``, every rating at or above it) is a positive,
/// duplicates merged; each epoch pairs every positive with
/// ``NeuMFTrainingOptions/negativesPerPositive`` negatives drawn uniformly from the items that
/// user never interacted with (He et al. 2017, §4.1), visits the positives in a fresh random
/// order, each followed by its negatives, and runs mini-batches of binary cross-entropy. A user who interacted with every item contributes
/// positives only.
///
/// **Explicit objective.** Every rating is an example with squared error; the fusion bias
/// starts at the mean rating.
public struct NeuMFTrainer: Sendable {
    /// The model's shape.
    public let config: NeuMFConfig
    /// Epochs, batch size, optimizer, negatives.
    public let options: NeuMFTrainingOptions

    /// Creates a trainer. - Throws: ``ModelError`` for invalid settings.
    public init(config: NeuMFConfig = .init(), options: NeuMFTrainingOptions = .init()) throws {
        try config.validate()
        try options.validate()
        self.config = config
        self.options = options
    }

    /// Trains a fresh model on `data` and returns it.
    /// - Parameter onEpoch: called after each epoch (progress output, early stopping by throwing).
    /// - Throws: ``ModelError`` for empty or inconsistent data, or when training diverges.
    public func train(
        _ data: RatingsDataset, using rng: inout some RandomNumberGenerator,
        onEpoch: (NeuMFEpochReport) throws -> Void = { _ in }
    ) throws -> NeuMF {
        let bias: Float = config.objective == .explicit ? data.meanRating : 0
        var model = try NeuMF(userCount: data.userCount, itemCount: data.itemCount, config: config, outputBias: bias, using: &rng)
        try train(&model, on: data, using: &rng, onEpoch: onEpoch)
        return model
    }

    /// Continues training `model` on `data` for ``NeuMFTrainingOptions/epochs`` epochs (fresh optimizer state).
    /// - Throws: ``ModelError`` for empty or inconsistent data, or when training diverges.
    public func train(
        _ model: inout NeuMF, on data: RatingsDataset, using rng: inout some RandomNumberGenerator,
        onEpoch: (NeuMFEpochReport) throws -> Void = { _ in }
    ) throws {
        guard model.architecture.config == config else {
            throw ModelError(.invalidInput, "the model's configuration differs from the trainer's")
        }
        guard model.userCount == data.userCount && model.itemCount == data.itemCount else {
            throw ModelError(.invalidInput, "the model has \(model.userCount) users × \(model.itemCount) items; "
                                   + "the data have \(data.userCount) × \(data.itemCount)")
        }
        for k in 0..<data.count where data.users[k] < 0 || Int(data.users[k]) >= data.userCount
            || data.items[k] < 0 || Int(data.items[k]) >= data.itemCount {
            throw ModelError(.invalidInput, "interaction \(k) has user \(data.users[k]) or item \(data.items[k]) out of range")
        }
        let arch = model.architecture
        var examples = NeuMFExamples()
        // Implicit: distinct positives per user, sorted (the negative sampler needs them so).
        var offsets: [Int] = [0], sortedItems: [Int32] = [], rowUsers: [Int32] = [], rowOf: [Int32] = []
        if config.objective == .implicit {
            let rows = data.byUser()
            for u in 0..<rows.userCount {
                var row: [Int32] = []
                for k in rows.range(of: u) where options.positiveThreshold.map({ rows.ratings[k] >= $0 }) ?? true {
                    row.append(rows.items[k])
                }
                row.sort()
                var last: Int32 = -1
                var added = 0
                for i in row where i != last {
                    sortedItems.append(i)
                    last = i
                    added += 1
                }
                if added > 0 {
                    rowOf += repeatElement(Int32(rowUsers.count), count: added)
                    offsets.append(sortedItems.count)
                    rowUsers.append(Int32(u))
                }
            }
            guard !sortedItems.isEmpty else {
                throw ModelError(.invalidInput, "no positive interactions to train on"
                                       + (options.positiveThreshold.map { " (no rating reaches the threshold \($0))" } ?? ""))
            }
        } else {
            guard data.count > 0 else { throw ModelError(.invalidInput, "no ratings to train on") }
        }
        var order = (0..<Int32(sortedItems.count)).map { $0 }
        // One concrete generator for the hot loops (sampling, shuffling), seeded from the caller's.
        var local = SeededGenerator(seed: rng.next())
        let ws = NeuMFWorkspace(arch: arch, capacity: options.batchSize)
        let updater = NeuMFUpdater(arch: arch, optimizer: options.optimizer, userRows: model.userCount, capacity: options.batchSize)
        let clock = ContinuousClock()
        guard options.epochs > 0 else { return }
        var elapsed = 0.0
        for epoch in 1...options.epochs {
            let start = clock.now
            if config.objective == .implicit {
                examples.fillImplicit(offsets: offsets, sortedItems: sortedItems, rowOf: rowOf, rowUsers: rowUsers, order: &order,
                                      itemCount: data.itemCount, negatives: options.negativesPerPositive, using: &local)
            } else {
                examples.fill(users: data.users, items: data.items, targets: data.ratings, using: &local)
            }
            let loss = model.userEmbeddings.withUnsafeMutableBufferPointer { table in
                model.globalParameters.withUnsafeMutableBufferPointer { global in
                    examples.train(ws, updater, userTable: table.baseAddress!, global: global, updateUser: true, updateGlobal: true)
                }
            }
            let mean = loss / Double(max(1, examples.count))
            guard mean.isFinite else {
                throw ModelError(.diverged, "the training loss became \(mean) in epoch \(epoch); lower the learning rate")
            }
            let duration = clock.now - start
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
            elapsed += seconds
            try onEpoch(NeuMFEpochReport(epoch: epoch, meanLoss: mean, seconds: seconds, elapsedSeconds: elapsed,
                                         exampleCount: examples.count))
        }
    }
}
