import FedRecData
import FedRecMath

/// Test data with a known structure: ratings r = 3.5 + b_u + b_i + p_u·q_i + noise on a
/// random subset of items per user, clamped to 1…5, split per user into train and held out.
struct PlantedData {
    let train: RatingsDataset
    let heldOut: RatingsDataset

    init(users: Int, items: Int, perUser: Int, dim: Int, noise: Float, holdout: Double = 0.2, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        func g() -> Float { Float(Gaussian.sample(using: &rng)) }
        let p = (0..<(users * dim)).map { _ in g() * 0.6 }
        let q = (0..<(items * dim)).map { _ in g() * 0.6 }
        let bu = (0..<users).map { _ in g() * 0.3 }
        let bi = (0..<items).map { _ in g() * 0.3 }
        var tu: [Int32] = [], ti: [Int32] = [], tr: [Float] = []
        var hu: [Int32] = [], hi: [Int32] = [], hr: [Float] = []
        for u in 0..<users {
            var chosen = Array(0..<items)
            chosen.shuffle(using: &rng)
            let n = perUser / 2 + rng.nextIndex(below: perUser + 1)
            for (k, i) in chosen.prefix(n).enumerated() {
                var r = 3.5 + bu[u] + bi[i] + noise * g()
                for a in 0..<dim { r += p[u * dim + a] * q[i * dim + a] }
                r = min(5, max(1, r))
                if Double(k) < holdout * Double(n) {
                    hu.append(Int32(u)); hi.append(Int32(i)); hr.append(r)
                } else {
                    tu.append(Int32(u)); ti.append(Int32(i)); tr.append(r)
                }
            }
        }
        train = RatingsDataset(userCount: users, itemCount: items, users: tu, items: ti, ratings: tr, source: "planted")
        heldOut = RatingsDataset(userCount: users, itemCount: items, users: hu, items: hi, ratings: hr, source: "planted")
    }
}

/// A plain centralized biased-MF baseline by SGD on the pooled training data (Koren et al.
/// 2009), to compare federated training with. Returns the held-out RMSE (predictions clamped).
func centralizedRMSE(
    _ data: PlantedData, dim: Int, epochs: Int, learningRate lr: Float, regularization reg: Float, seed: UInt64
) -> Double {
    let train = data.train, test = data.heldOut
    var rng = SeededGenerator(seed: seed)
    var p = (0..<(train.userCount * dim)).map { _ in Float(Gaussian.sample(using: &rng)) * 0.1 }
    var q = (0..<(train.itemCount * dim)).map { _ in Float(Gaussian.sample(using: &rng)) * 0.1 }
    var bu = [Float](repeating: 0, count: train.userCount), bi = [Float](repeating: 0, count: train.itemCount)
    let mu = train.meanRating
    var order = Array(0..<train.count)
    for _ in 0..<epochs {
        order.shuffle(using: &rng)
        for k in order {
            let u = Int(train.users[k]), i = Int(train.items[k])
            var pred = mu + bu[u] + bi[i]
            for a in 0..<dim { pred += p[u * dim + a] * q[i * dim + a] }
            let e = train.ratings[k] - pred
            bu[u] += lr * (e - reg * bu[u])
            bi[i] += lr * (e - reg * bi[i])
            for a in 0..<dim {
                let pu = p[u * dim + a], qi = q[i * dim + a]
                p[u * dim + a] += lr * (e * qi - reg * pu)
                q[i * dim + a] += lr * (e * pu - reg * qi)
            }
        }
    }
    var se = 0.0
    for k in 0..<test.count {
        let u = Int(test.users[k]), i = Int(test.items[k])
        var pred = mu + bu[u] + bi[i]
        for a in 0..<dim { pred += p[u * dim + a] * q[i * dim + a] }
        let e = Double(test.scale.clamp(pred) - test.ratings[k])
        se += e * e
    }
    return (se / Double(test.count)).squareRoot()
}
