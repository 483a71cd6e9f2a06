import FedRecData
import FedRecMath

/// The options every command that reads ratings shares, and the code that turns them into a
/// data set: a MovieLens directory or file, a generic delimited file, or the built-in synthetic
/// data when `--data` is absent.
enum DataOptions {
    /// The option declarations, in help order.
    static let specs: [OptionSpec] = [
        OptionSpec("data", .string, valueName: "PATH",
                   help: "MovieLens directory or file (u.data, ratings.dat, ratings.csv) or a delimited file; absent: built-in synthetic data."),
        OptionSpec("separator", .string, valueName: "SEP", help: "Generic file: field separator (a string, or tab, comma, semicolon, pipe, space)."),
        OptionSpec("columns", .string, valueName: "SPEC", help: "Generic file: column order, e.g. user,item,rating,timestamp (_ skips a column)."),
        .flag("header", help: "Generic file: the first line is a header."),
        OptionSpec("rating-scale", .string, valueName: "MIN..MAX", help: "Generic file: allowed ratings, e.g. 1..5 (default 0.5..5)."),
        OptionSpec("ids", .choice(["text", "integer"]), valueName: "KIND",
                   help: "Generic file: ids are any text (default) or non-negative integers; MovieLens files always have integer ids."),
        .flag("skip-bad-lines", help: "Skip malformed lines (counted and reported) instead of stopping at the first."),
        OptionSpec("synthetic", .choice(["ml-100k", "ml-1m", "population"]), valueName: "PRESET", default: "ml-100k",
                   help: "Built-in data when --data is absent: MovieLens-100K-like, ML-1M-like, or a large population."),
        OptionSpec("synthetic-users", .int(10...10_000_000), valueName: "N", help: "Number of users of the synthetic data (preset's when absent)."),
        OptionSpec("data-seed", .int(0...Int.max), valueName: "S", default: "42", help: "Seed of the synthetic data."),
    ]

    /// What was loaded, with a description for reports.
    struct Input {
        var dataset: RatingsDataset
        /// One line saying where the data came from.
        var summary: String
        /// The loader's report (nil for synthetic data).
        var report: LoadReport?
        /// The synthetic generator's output, with its planted model (nil for files).
        var synthetic: SyntheticData?
    }

    /// Loads the data the options describe.
    /// - Throws: ``UsageError`` for inconsistent options, `DataError` for unreadable or malformed data.
    static func load(_ args: ParsedArguments) throws -> Input {
        guard let path = args.string("data") else {
            for name in ["separator", "columns", "header", "rating-scale", "ids", "skip-bad-lines"] where args.isSet(name) {
                throw UsageError("'--\(name)' applies to --data files; without --data the built-in synthetic data is used", command: args.spec.invocation)
            }
            var config: SyntheticConfig
            switch args.string("synthetic")! {
            case "ml-1m": config = .movieLens1M
            case "population": config = .population(users: args.int("synthetic-users") ?? 100_000)
            default: config = .movieLens100K
            }
            if let users = args.int("synthetic-users") { config.users = users }
            // NeuMF learns from implicit feedback: generate interactions driven by the planted
            // preferences rather than explicit ratings of popularity-driven picks.
            if args.spec.option(named: "model") != nil, args.string("model") == "neumf" { config.feedback = .implicit }
            config.seed = UInt64(args.int("data-seed")!)
            let synthetic = try SyntheticData(config: config)
            return Input(dataset: synthetic.dataset, summary: "synthetic (\(config.summary))", report: nil, synthetic: synthetic)
        }
        var options = LoadOptions(format: nil, skipBadLines: args.flag("skip-bad-lines"))
        if args.isSet("separator") || args.isSet("columns") || args.isSet("header") || args.isSet("rating-scale") || args.isSet("ids") {
            guard let separator = args.string("separator"), let columns = args.string("columns") else {
                throw UsageError("a generic delimited file needs both --separator and --columns", command: args.spec.invocation)
            }
            let scale = try args.string("rating-scale").map { try RatingScale.parse($0) } ?? DelimitedFormat.defaultScale
            options.format = .delimited(try DelimitedFormat(
                separator: DelimitedFormat.separator(named: separator), columns: columns,
                hasHeader: args.flag("header"), scale: scale, ids: args.string("ids") == "integer" ? .integer : .text))
        }
        let loaded = try DataSource.load(path, options: options)
        let duplicates = loaded.report.duplicateSummary.map { "; \($0)" } ?? ""
        return Input(dataset: loaded.dataset, summary: "\(loaded.report.file) (\(loaded.report.format)\(duplicates))", report: loaded.report, synthetic: nil)
    }
}
