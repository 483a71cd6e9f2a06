import Foundation
import Testing

@testable import FedRecData

@Suite("Writing data sets back to files")
struct RatingsDatasetExportTests {
    static let synthetic = try! SyntheticData(
        config: SyntheticConfig(users: 60, items: 80, meanRatingsPerUser: 25, minRatingsPerUser: 20, maxRatingsPerUser: 40, seed: 9)
    ).dataset

    @Test(arguments: [DataFormat.movieLens100K, .movieLensDat, .movieLensCSV])
    func movieLensFormatsRoundTrip(format: DataFormat) throws {
        let dir = try TemporaryDirectory()
        let name = DataSource.knownFiles.first { $0.format == format }!.name
        let path = dir.path + "/" + name
        let data = RatingsDatasetExportTests.synthetic
        try data.write(toFile: path, format: format)
        let loaded = try DataSource.load(dir.path)
        #expect(loaded.report.format == format)
        #expect(loaded.dataset.rawTuples.map { "\($0)" } == data.rawTuples.map { "\($0)" })
        #expect(loaded.report.duplicates == 0)
    }

    @Test func genericFormatWithHalfStarsIgnoredColumnAndHeaderRoundTrips() throws {
        let data = RatingsDataset(
            userCount: 2, itemCount: 2, users: [0, 1, 1], items: [1, 0, 1], ratings: [0.5, 4.5, 3],
            timestamps: [-5, 0, 1_700_000_000], userIDs: ["ann", "bo"], itemIDs: ["x1", "x2"])
        let format = DataFormat.delimited(
            try DelimitedFormat(separator: ";", columns: "timestamp,_,item,user,rating", hasHeader: true))
        let text = String(decoding: data.encoded(as: format), as: UTF8.self)
        #expect(text == "timestamp;_;item;user;rating\n-5;;x2;ann;0.5\n0;;x1;bo;4.5\n1700000000;;x2;bo;3\n")
        let dir = try TemporaryDirectory()
        let path = dir.path + "/export.txt"
        try data.write(toFile: path, format: format)
        let loaded = try DataSource.load(path, options: LoadOptions(format: format))
        #expect(loaded.dataset.rawTuples.map { "\($0)" } == data.rawTuples.map { "\($0)" })
    }

    @Test func writingIntoAMissingDirectoryIsUnwritable() throws {
        do {
            try RatingsDatasetExportTests.synthetic.write(toFile: "/nonexistent-dir/x/ratings.dat", format: .movieLensDat)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unwritable)
            #expect(error.file == "/nonexistent-dir/x/ratings.dat")
        }
    }
}
