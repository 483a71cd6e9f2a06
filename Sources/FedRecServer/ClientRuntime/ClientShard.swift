import FedRecData
import FedRecFederation
import FedRecHTTP
import Foundation

/// The data of one client process: one or more users, each still a separate federated client with
/// its own token, history and user state. On disk a shard is a directory holding one file per user,
/// `<client-id>.json` (mode 0600), so each process can be given only its own users' files:
/// ```json
/// {"client_id": "user-000017", "user_index": 17, "token": "…64 hex…",
///  "train_items": [3, 88], "train_ratings": [4, 5], "held_out_items": [12], "held_out_ratings": [3]}
/// ```
/// Item indices are the server's (rows of the global model); `user_index` names the client's random
/// stream in seeded simulations.
public struct ClientShard: Sendable {
    /// One user's file.
    public struct User: Sendable, Codable, Hashable {
        /// The client id (as in the token file).
        public var clientID: String
        /// The user's index in the population (its position in the token file).
        public var userIndex: Int
        /// The client's bearer token.
        public var token: String
        /// Training items (model rows).
        public var trainItems: [Int32]
        /// Training ratings, parallel to `trainItems`.
        public var trainRatings: [Float]
        /// Held-out items, scored locally at the end (only error sums leave the client).
        public var heldOutItems: [Int32]
        /// Held-out ratings.
        public var heldOutRatings: [Float]

        enum CodingKeys: String, CodingKey {
            case clientID = "clientId", userIndex, token, trainItems, trainRatings, heldOutItems, heldOutRatings
        }

        /// Creates a user.
        public init(clientID: String, userIndex: Int, token: String, trainItems: [Int32], trainRatings: [Float],
                    heldOutItems: [Int32] = [], heldOutRatings: [Float] = []) {
            self.clientID = clientID
            self.userIndex = userIndex
            self.token = token
            self.trainItems = trainItems
            self.trainRatings = trainRatings
            self.heldOutItems = heldOutItems
            self.heldOutRatings = heldOutRatings
        }

        /// The federated client of this user.
        public var client: Client {
            Client(id: userIndex, trainItems: trainItems, trainRatings: trainRatings, heldOutItems: heldOutItems, heldOutRatings: heldOutRatings)
        }
    }

    /// The users, in user-index order.
    public var users: [User]

    /// Creates a shard.
    public init(users: [User]) { self.users = users.sorted { $0.userIndex < $1.userIndex } }

    /// Splits a train/held-out split into `processes` contiguous shards of near-equal user counts;
    /// user u is client `clientIDs[u]` with `tokens.token(for:)`.
    /// - Precondition: the tokens list one client per user, in user order.
    public static func split(train: RatingsDataset, heldOut: RatingsDataset, tokens: ClientTokens, processes: Int) -> [ClientShard] {
        precondition(tokens.entries.count == train.userCount && processes >= 1, "one token per user, at least one process")
        let tr = train.byUser(), te = heldOut.byUser()
        let n = train.userCount
        return (0..<processes).map { p in
            let users = ((p * n / processes)..<((p + 1) * n / processes)).map { u -> User in
                let a = tr.range(of: u), b = te.range(of: u)
                let entry = tokens.entries[u]
                return User(clientID: entry.clientID, userIndex: u, token: entry.token,
                            trainItems: Array(tr.items[a]), trainRatings: Array(tr.ratings[a]),
                            heldOutItems: Array(te.items[b]), heldOutRatings: Array(te.ratings[b]))
            }
            return ClientShard(users: users)
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }()

    /// The decoder of shard files and client outcomes (snake-case keys), shared with the harness
    /// that reads client processes' output.
    public static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()

    /// Writes one file per user into `directory` (created with mode 0700).
    public func write(to directory: String) throws(ServerError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch { throw ServerError(.ioFailure, "cannot create \(directory): \(error.localizedDescription)") }
        for user in users {
            guard let data = try? Self.encoder.encode(user) else { throw ServerError(.ioFailure, "cannot encode user \(user.clientID)") }
            try ServerError.bridging(AtomicFile.write(Array(data), to: (directory as NSString).appendingPathComponent("\(user.clientID).json"), permissions: 0o600))
        }
    }

    /// Reads a shard: a directory of user files, or one user file.
    /// - Throws: `ServerError(.badRequest)` naming the file that cannot be read.
    public static func load(from path: String) throws(ServerError) -> ClientShard {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ServerError(.badRequest, "\(path) does not exist; --data takes a shard directory (one <client-id>.json per user) or one user file")
        }
        var files = [path]
        if isDirectory.boolValue {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            guard !names.isEmpty else { throw ServerError(.badRequest, "\(path) holds no <client-id>.json user files") }
            files = names.map { (path as NSString).appendingPathComponent($0) }
        }
        var users: [User] = []
        for file in files {
            let bytes = try ServerError.bridging(AtomicFile.read(file))
            guard let user = try? decoder.decode(User.self, from: Data(bytes)) else {
                throw ServerError(.badRequest, "\(file) is not a client user file (client_id, user_index, token, train_items, train_ratings, held_out_items, held_out_ratings)")
            }
            guard user.trainItems.count == user.trainRatings.count, user.heldOutItems.count == user.heldOutRatings.count,
                  user.userIndex >= 0, (user.trainItems + user.heldOutItems).allSatisfy({ $0 >= 0 }) else {
                throw ServerError(.badRequest, "\(file): items and ratings differ in length or hold negative indices")
            }
            users.append(user)
        }
        return ClientShard(users: users)
    }
}
