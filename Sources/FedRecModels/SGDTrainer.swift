import Dispatch
import FedRecData
import FedRecMath

/// Trains ``BiasedMF`` on explicit ratings by per-rating stochastic gradient descent
/// (Funk 2006; Koren, Bell & Volinsky 2009); the update rule is documented on ``SGDConfig``.
///
/// μ is fixed to the training mean; biases start at zero and factors at N(0, initScale²).
/// The model is initialised from `SeededGenerator(seed:stream:[0])` and the epoch orders come
/// from `SeededGenerator(seed:stream:[1])`, so the same config and data give the same bits.
public struct SGDTrainer: Sendable {
    /// The validated hyperparameters.
    public let config: SGDConfig

    /// Creates a trainer; throws ``ModelError`` if `config` is invalid.
    public init(config: SGDConfig = SGDConfig()) throws {
        try config.validate()
        self.config = config
    }

    /// The untrained starting model for `data`: μ = training mean, zero biases, random factors.
    public func initialModel(for data: RatingsDataset) -> BiasedMF {
        var rng = SeededGenerator(seed: config.seed, stream: [0])
        return BiasedMF(userCount: data.userCount, itemCount: data.itemCount, dim: config.dim,
                        globalMean: data.meanRating, initScale: config.initScale, using: &rng)
    }

    /// Trains a fresh model for `config.epochs` epochs, calling `onEpoch(epoch, trainRMSE)`
    /// after each (epochs count from 1). See ``runEpoch(_:on:order:learningRate:)`` for the RMSE.
    public func train(on data: RatingsDataset, onEpoch: (Int, Double) -> Void = { _, _ in }) -> BiasedMF {
        var session = Session(trainer: self, data: data)
        for _ in 0..<config.epochs { onEpoch(session.epoch + 1, session.step()) }
        return session.model
    }

    /// Training state between epochs: the model, the ratings in their current order and the
    /// shuffle generator. Lets a caller interleave evaluation with training (see ``CentralizedTrainer``).
    public struct Session: Sendable {
        /// The trainer's settings.
        public let trainer: SGDTrainer
        /// The model as of the last completed epoch.
        public private(set) var model: BiasedMF
        /// Number of completed epochs.
        public private(set) var epoch = 0
        private var ratings: [RatingTriple]
        private var rng: SeededGenerator
        /// The next epoch's order, shuffled while the current epoch trained.
        private var nextOrder: [RatingTriple]? = nil

        /// Starts from ``SGDTrainer/initialModel(for:)``.
        public init(trainer: SGDTrainer, data: RatingsDataset) {
            self.trainer = trainer
            model = trainer.initialModel(for: data)
            ratings = RatingTriple.pack(data)
            rng = SeededGenerator(seed: trainer.config.seed, stream: [1])
        }

        /// Runs one epoch (first shuffling the ratings with Fisher–Yates, if configured) and
        /// returns its running training RMSE.
        ///
        /// The order of the *next* epoch is shuffled on a second thread while this epoch trains
        /// (a copy of this epoch's order, shuffled with the same generator): the same sequence of
        /// orders, hence the same model bits, as shuffling at the start of each epoch, but the
        /// ~12 ms shuffle of 1M ratings no longer adds to the epoch time on two cores.
        public mutating func step() -> Double {
            let c = trainer.config
            if c.shuffle && nextOrder == nil { Self.shuffle(&ratings, using: &rng) }
            if let next = nextOrder { ratings = next; nextOrder = nil }
            var lr = c.learningRate
            for _ in 0..<epoch { lr *= c.learningRateDecay }
            var rmse = 0.0
            if c.shuffle {
                var next = ratings
                var nextRNG = rng
                let rate = lr
                let trainer = self.trainer
                withUnsafeMutablePointer(to: &model) { modelPointer in
                    withUnsafeMutablePointer(to: &rmse) { rmsePointer in
                        withUnsafeMutablePointer(to: &next) { nextPointer in
                            withUnsafeMutablePointer(to: &nextRNG) { rngPointer in
                                let shared = _EpochPointers(model: modelPointer, rmse: rmsePointer, next: nextPointer, rng: rngPointer)
                                ratings.withUnsafeBufferPointer { r in
                                    let order = _SendableBuffer(r)
                                    DispatchQueue.concurrentPerform(iterations: 2) { k in
                                        if k == 0 {
                                            shared.rmse.pointee = trainer.runEpoch(&shared.model.pointee, ratings: order.buffer, learningRate: rate)
                                        } else {
                                            Self.shuffle(&shared.next.pointee, using: &shared.rng.pointee)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                nextOrder = next
                rng = nextRNG
            } else {
                rmse = ratings.withUnsafeBufferPointer { r in trainer.runEpoch(&model, ratings: r, learningRate: lr) }
            }
            epoch += 1
            return rmse
        }

        /// Fisher–Yates in place.
        static func shuffle(_ ratings: inout [RatingTriple], using rng: inout SeededGenerator) {
            ratings.withUnsafeMutableBufferPointer { o in
                var i = o.count - 1
                while i > 0 {
                    let j = rng.nextIndex(below: i + 1)
                    o.swapAt(i, j)
                    i -= 1
                }
            }
        }
    }

    /// One pass of SGD over `ratings` in the given order, updating `model` in place.
    ///
    /// - Returns: the root mean squared error of the predictions met during the pass, each
    ///   taken just before its own update (the usual "running" training error; unclamped).
    /// - Precondition: every user and item index is in the model's range.
    /// - Complexity: O(|ratings|·dim); no allocation.
    public func runEpoch(
        _ model: inout BiasedMF, ratings: UnsafeBufferPointer<RatingTriple>, learningRate: Float
    ) -> Double {
        let d = model.dim
        let mu = model.globalMean
        let lr = learningRate
        let lb = config.biasRegularization
        let lf = config.factorRegularization
        let users = model.userCount, items = model.itemCount
        var sse = 0.0
        model.userBias.withUnsafeMutableBufferPointer { bu in
        model.itemBias.withUnsafeMutableBufferPointer { bi in
        model.userFactors.withUnsafeMutableBufferPointer { pf in
        model.itemFactors.withUnsafeMutableBufferPointer { qf in
            let pBase = pf.baseAddress!
            let qBase = qf.baseAddress!
            for t in ratings {
                let u = Int(t.user)
                let i = Int(t.item)
                precondition(u >= 0 && u < users && i >= 0 && i < items, "SGDTrainer: rating index out of the model's range")
                let p = pBase + u * d
                let q = qBase + i * d
                let e = t.rating - (mu + bu[u] + bi[i] + Kernels.dot(p, q, count: d))
                sse += Double(e * e)
                bu[u] += lr * (e - lb * bu[u])
                bi[i] += lr * (e - lb * bi[i])
                Self.factorStep(p, q, count: d, error: e, learningRate: lr, regularization: lf)
            }
        }}}}
        return ratings.isEmpty ? 0 : (sse / Double(ratings.count)).squareRoot()
    }

    /// p += η(e·q − λp), q += η(e·p − λq), both from the old values, over `count` floats.
    @inline(__always)
    static func factorStep(
        _ p: UnsafeMutablePointer<Float>, _ q: UnsafeMutablePointer<Float>, count: Int,
        error e: Float, learningRate lr: Float, regularization l: Float
    ) {
        var f = 0
        let ev = SIMD8<Float>(repeating: e)
        let lrv = SIMD8<Float>(repeating: lr)
        let lv = SIMD8<Float>(repeating: l)
        while f + 8 <= count {
            let pv = UnsafeRawPointer(p + f).loadUnaligned(as: SIMD8<Float>.self)
            let qv = UnsafeRawPointer(q + f).loadUnaligned(as: SIMD8<Float>.self)
            let np = pv + lrv * (ev * qv - lv * pv)
            let nq = qv + lrv * (ev * pv - lv * qv)
            UnsafeMutableRawPointer(p + f).storeBytes(of: np, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(q + f).storeBytes(of: nq, as: SIMD8<Float>.self)
            f += 8
        }
        while f < count {
            let pv = p[f], qv = q[f]
            p[f] = pv + lr * (e * qv - l * pv)
            q[f] = qv + lr * (e * pv - l * qv)
            f += 1
        }
    }
}

/// The state one SGD epoch and the concurrent shuffle of the next order touch: disjoint, so
/// sharing the pointers across the two `concurrentPerform` iterations is safe.
private struct _EpochPointers: @unchecked Sendable {
    let model: UnsafeMutablePointer<BiasedMF>
    let rmse: UnsafeMutablePointer<Double>
    let next: UnsafeMutablePointer<[RatingTriple]>
    let rng: UnsafeMutablePointer<SeededGenerator>
}

/// A read-only view of the current order, read by the training iteration and copied by nobody else.
private struct _SendableBuffer: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<RatingTriple>
    init(_ buffer: UnsafeBufferPointer<RatingTriple>) { self.buffer = buffer }
}
