import FedRecData
import FedRecMath
import FedRecModels

extension Client {
    /// Runs the local step against the global model and returns Δ = local − global.
    ///
    /// 1. Gathers the touched item rows into `workspace` (a private copy of the global rows).
    /// 2. User embedding: in `.reconstruct` mode, and on a client's first round in `.persistent`
    ///    mode, solves the ridge regression of ``fitUser(model:userRegularization:workspace:)``;
    ///    otherwise starts from the stored embedding.
    /// 3. `config.epochs` passes of SGD over the ratings in an order drawn from `rng`:
    ///    e = r − (μ + b_u + b_i + p_u·q_i); b_i += η(e − λb_i); q_i += η(e·p_u − λq_i);
    ///    μ += η·e; and, if the user side is trained, b_u += η(e − λb_u), p_u += η(e·q_i − λp_u).
    /// 4. Δ over μ and the touched rows; in persistent mode stores the new embedding.
    ///
    /// - Parameters:
    ///   - rng: the client's own stream, `SeededGenerator(seed:stream: [client, round])` in a simulation.
    /// - Complexity: O(n·d²) for the Gram matrix, O(d³) for the solve, O(E·n·d) for SGD,
    ///   n = number of ratings. Allocates only the update.
    public mutating func train(
        model: ItemModel, config: LocalTrainingConfig, workspace ws: ClientWorkspace,
        using rng: inout some RandomNumberGenerator
    ) -> LocalTrainingResult {
        precondition(ws.dim == model.dim, "Client.train: workspace dim \(ws.dim) ≠ model dim \(model.dim)")
        let d = model.dim, P = ws.stride, n = touchedItems.count, m = trainRatings.count
        gather(model, into: ws)
        let mu0 = model.globalMean
        var mu = mu0
        var bu: Float
        var trainUser = config.trainsUserEmbedding
        if config.userState == .persistent, let state = userEmbedding {
            for a in 0..<P { ws.user[a] = a < d ? state.factors[a] : 0 }
            bu = state.bias
            trainUser = true
        } else {
            bu = ridge(mu: mu, lambda: config.userRegularization, ws: ws)
            if config.userState == .persistent { trainUser = true }
        }
        let user = ws.user, rows = ws.rows, biases = ws.biases, order = ws.order
        var lossSum = 0.0
        localRow.withUnsafeBufferPointer { lr in
            trainRatings.withUnsafeBufferPointer { r in
                for j in 0..<m {
                    let k = Int(lr[j])
                    let e = r[j] - (mu + bu + biases[k] + _dot8(user, rows + k * P, count: P))
                    lossSum += Double(e) * Double(e)
                }
                for j in 0..<m { order[j] = Int32(j) }
                let eta = config.learningRate, lambda = config.regularization
                let decay = SIMD8<Float>(repeating: 1 - eta * lambda)
                for _ in 0..<config.epochs {
                    // Fisher–Yates shuffle of the visiting order.
                    if m > 1 {
                        for j in stride(from: m - 1, to: 0, by: -1) {
                            let s = rng.nextIndex(below: j + 1)
                            let t = order[j]; order[j] = order[s]; order[s] = t
                        }
                    }
                    for jj in 0..<m {
                        let j = Int(order[jj])
                        let k = Int(lr[j])
                        let q = rows + k * P
                        let e = r[j] - (mu + bu + biases[k] + _dot8(user, q, count: P))
                        let ee = SIMD8<Float>(repeating: eta * e)
                        biases[k] += eta * (e - lambda * biases[k])
                        mu += eta * e
                        var a = 0
                        if trainUser {
                            bu += eta * (e - lambda * bu)
                            while a < P {
                                let qv = UnsafeRawPointer(q + a).loadUnaligned(as: SIMD8<Float>.self)
                                let pv = UnsafeRawPointer(user + a).loadUnaligned(as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(q + a).storeBytes(of: qv * decay + ee * pv, as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(user + a).storeBytes(of: pv * decay + ee * qv, as: SIMD8<Float>.self)
                                a += 8
                            }
                        } else {
                            while a < P {
                                let qv = UnsafeRawPointer(q + a).loadUnaligned(as: SIMD8<Float>.self)
                                let pv = UnsafeRawPointer(user + a).loadUnaligned(as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(q + a).storeBytes(of: qv * decay + ee * pv, as: SIMD8<Float>.self)
                                a += 8
                            }
                        }
                    }
                }
            }
        }
        if config.userState == .persistent {
            userEmbedding = UserEmbedding(factors: Array(UnsafeBufferPointer(start: user, count: d)), bias: bu)
        }
        // Δ over the touched rows: [Δb_i, Δq_i].
        let stride1 = d + 1
        let deltas = model.parameters.withUnsafeBufferPointer { g in
            [Float](unsafeUninitializedCapacity: n * stride1) { out, initialized in
                let factorBase = 1 + model.itemCount
                for k in 0..<n {
                    let i = Int(touchedItems[k])
                    out[k * stride1] = biases[k] - g[1 + i]
                    _subtract(rows + k * P, g.baseAddress! + factorBase + i * d,
                              into: out.baseAddress! + k * stride1 + 1, count: d)
                }
                initialized = n * stride1
            }
        }
        let update = ModelUpdate(itemCount: model.itemCount, dim: d, touchedItems: touchedItems,
                                 globalMeanDelta: mu - mu0, rows: deltas)
        let norm = update.norm()
        guard norm.isFinite else {
            // Local training diverged (a learning rate too large for this client's ratings): send
            // nothing rather than NaN, as a NeuMF client does; the server would refuse it anyway.
            return LocalTrainingResult(update: .zero(itemCount: model.itemCount, dim: d), updateNorm: 0,
                                       lossSum: lossSum, ratingCount: m, failed: true)
        }
        return LocalTrainingResult(update: update, updateNorm: norm, lossSum: lossSum, ratingCount: m)
    }

    /// Fits the user embedding to the client's training ratings with the item model fixed:
    /// the ridge regression
    ///
    ///   (p_u, b_u) = argmin Σ_j (r_j − μ − b_{i_j} − p·q_{i_j} − b)² + λ(‖p‖² + b²),
    ///
    /// solved in closed form as (ΦᵀΦ + λI)·x = Φᵀy with rows φ_j = [q_{i_j}, 1] and
    /// y_j = r_j − μ − b_{i_j}, by Cholesky on the (d+1)×(d+1) system (the user step of ALS;
    /// Hu, Koren & Volinsky 2008; and the reconstruction step of Singhal et al. 2021).
    /// - Complexity: O(n·d² + d³).
    public func fitUser(model: ItemModel, userRegularization: Float, workspace ws: ClientWorkspace) -> UserEmbedding {
        precondition(ws.dim == model.dim, "Client.fitUser: workspace dim ≠ model dim")
        gather(model, into: ws)
        let bias = ridge(mu: model.globalMean, lambda: userRegularization, ws: ws)
        return UserEmbedding(factors: Array(UnsafeBufferPointer(start: ws.user, count: model.dim)), bias: bias)
    }

    /// Scores the client's held-out ratings: fits the user embedding from its own training
    /// history (``fitUser(model:userRegularization:workspace:)``), predicts each held-out item
    /// clamped to `scale`, and returns only the error sums.
    /// - Complexity: O(n·d² + d³ + h·d), h = held-out count.
    public func evaluate(
        model: ItemModel, userRegularization: Float, scale: RatingScale, workspace ws: ClientWorkspace
    ) -> ErrorMetrics {
        var sums = ErrorMetrics()
        guard !heldOutItems.isEmpty else { return sums }
        gather(model, into: ws)
        let d = model.dim
        let bu = ridge(mu: model.globalMean, lambda: userRegularization, ws: ws)
        let base = model.globalMean + bu
        model.parameters.withUnsafeBufferPointer { g in
            let factorBase = 1 + model.itemCount
            for (j, item) in heldOutItems.enumerated() {
                let i = Int(item)
                let raw = base + g[1 + i] + Kernels.dot(ws.user, g.baseAddress! + factorBase + i * d, count: d)
                let err = Double(scale.clamp(raw) - heldOutRatings[j])
                sums.sumSquaredError += err * err
                sums.sumAbsoluteError += abs(err)
            }
        }
        sums.count = heldOutItems.count
        return sums
    }

    /// Copies the global rows of the touched items into the workspace (padded to the stride).
    private func gather(_ model: ItemModel, into ws: ClientWorkspace) {
        let d = model.dim, P = ws.stride, n = touchedItems.count
        ws.reserve(rows: n, ratings: trainRatings.count)
        model.parameters.withUnsafeBufferPointer { g in
            let factorBase = 1 + model.itemCount
            for k in 0..<n {
                let i = Int(touchedItems[k])
                ws.biases[k] = g[1 + i]
                let dst = ws.rows + k * P
                (dst).update(from: g.baseAddress! + factorBase + i * d, count: d)
                if P > d { (dst + d).update(repeating: 0, count: P - d) }
            }
        }
    }

    /// The ridge solve on the gathered rows; writes p_u to `ws.user` (zero-padded), returns b_u.
    private func ridge(mu: Float, lambda: Float, ws: ClientWorkspace) -> Float {
        let d = ws.dim, P = ws.stride, n1 = d + 1, m = trainRatings.count
        let gram = ws.gram, cross = ws.cross, rhs = ws.rhs, rows = ws.rows, biases = ws.biases
        let n = touchedItems.count
        let weights = ws.weights, targets = ws.targets
        weights.update(repeating: 0, count: n)
        targets.update(repeating: 0, count: n)
        var ySum: Float = 0
        localRow.withUnsafeBufferPointer { lr in
            trainRatings.withUnsafeBufferPointer { r in
                // Per touched row: multiplicity c_k and summed target w_k = Σ (r − μ − b_k).
                for j in 0..<m {
                    let k = Int(lr[j])
                    let y = r[j] - mu - biases[k]
                    weights[k] += 1
                    targets[k] += y
                    ySum += y
                }
            }
        }
        // Items rated once each (the usual case) need no weights in the Gram matrix.
        _weightedGram(rows: rows, weights: n == m ? nil : UnsafePointer(weights), n: n, stride: P, gram: gram)
        cross.update(repeating: 0, count: P)
        rhs.update(repeating: 0, count: P)
        for k in 0..<n {
            let q = UnsafePointer(rows + k * P)
            _axpy8(weights[k], q, cross, count: P)
            _axpy8(targets[k], q, rhs, count: P)
        }
        let a = ws.matrix, b = ws.vector
        for i in 0..<d {
            for j in 0...i { a[i * n1 + j] = Double(gram[i * P + j]) }
            a[i * n1 + i] += Double(lambda)
            a[d * n1 + i] = Double(cross[i])
            b[i] = Double(rhs[i])
        }
        a[d * n1 + d] = Double(m) + Double(lambda)
        b[d] = Double(ySum)
        let ok = Cholesky.solve(a, b, n: n1)
        let user = ws.user
        user.update(repeating: 0, count: P)
        guard ok else { return 0 }
        for i in 0..<d { user[i] = Float(b[i]) }
        return Float(b[d])
    }
}
