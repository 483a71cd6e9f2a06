import FedRecData
import FedRecMath

/// Evaluation entry points: rating-prediction errors and ranking quality.
///
/// Explicit ratings are scored by RMSE and MAE of predictions **clamped** to the data's
/// rating scale (a prediction of 5.7 stars counts as 5). Implicit feedback is scored by
/// ranking metrics, see ``RankingEvaluator``.
public enum Metrics {
    /// RMSE and MAE of `predict(user, item)` on every rating of `test`, with predictions
    /// clamped to `test.scale` unless `clamped` is false.
    /// - Complexity: O(n) calls of `predict`.
    public static func errors(
        on test: RatingsDataset, clamped: Bool = true, predict: (Int, Int) -> Float
    ) -> ErrorMetrics {
        var m = ErrorMetrics()
        for k in 0..<test.count {
            let raw = predict(Int(test.users[k]), Int(test.items[k]))
            m.add(prediction: clamped ? test.scale.clamp(raw) : raw, rating: test.ratings[k])
        }
        return m
    }

    /// RMSE and MAE of `model` on `test` (clamped to `test.scale` unless `clamped` is false).
    /// - Precondition: `test` has the model's user and item counts.
    /// - Complexity: O(n·dim); no allocation per rating.
    public static func errors(of model: BiasedMF, on test: RatingsDataset, clamped: Bool = true) -> ErrorMetrics {
        precondition(model.userCount == test.userCount && model.itemCount == test.itemCount,
                     "Metrics.errors: model and test set differ in shape")
        let d = model.dim
        let mu = model.globalMean
        let scale = test.scale
        var m = ErrorMetrics()
        test.users.withUnsafeBufferPointer { us in
        test.items.withUnsafeBufferPointer { its in
        test.ratings.withUnsafeBufferPointer { rs in
        model.userBias.withUnsafeBufferPointer { bu in
        model.itemBias.withUnsafeBufferPointer { bi in
        model.userFactors.withUnsafeBufferPointer { pf in
        model.itemFactors.withUnsafeBufferPointer { qf in
            for k in 0..<us.count {
                let u = Int(us[k]), i = Int(its[k])
                let raw = mu + bu[u] + bi[i] + Kernels.dot(pf.baseAddress! + u * d, qf.baseAddress! + i * d, count: d)
                m.add(prediction: clamped ? scale.clamp(raw) : raw, rating: rs[k])
            }
        }}}}}}}
        return m
    }
}
