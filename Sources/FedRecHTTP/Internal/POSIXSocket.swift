#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX socket calls the server and client need. Not API.
///
/// Addresses are numeric IPv4 or IPv6 literals (or `localhost`, meaning 127.0.0.1): the service
/// binds to loopback by default and never needs name resolution.
enum POSIXSocket {
    /// What a readiness wait ended with.
    enum Readiness {
        case readable
        case timedOut
        case woken
    }

    /// A parsed socket address.
    enum Address {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)

        var family: Int32 {
            switch self {
            case .v4: AF_INET
            case .v6: AF_INET6
            }
        }

        func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
            switch self {
            case .v4(var a): withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            case .v6(var a): withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
            }
        }
    }

    static func address(host: String, port: Int) throws(HTTPError) -> Address {
        guard (0...65535).contains(port) else { throw HTTPError(.socketFailure, "port \(port) is outside 0...65535") }
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = in_port_t(UInt16(port).bigEndian)
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 { return .v4(v4) }
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = in_port_t(UInt16(port).bigEndian)
        let bare = name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name
        if inet_pton(AF_INET6, bare, &v6.sin6_addr) == 1 { return .v6(v6) }
        throw HTTPError(.socketFailure, "'\(host)' is not a numeric IPv4/IPv6 address (or localhost)")
    }

    /// Creates a listening socket bound to `host:port` (port 0: ephemeral) and returns it with the
    /// port actually bound. The socket is non-blocking so accept never stalls after a wakeup.
    static func listen(host: String, port: Int, backlog: Int32) throws(HTTPError) -> (fd: Int32, port: Int) {
        let address = try address(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(.socketFailure, "socket()", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let err = errno
            close(fd)
            throw .system(.socketFailure, "cannot bind \(host):\(port)", errno: err)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let err = errno
            close(fd)
            throw .system(.socketFailure, "listen() on \(host):\(port)", errno: err)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else {
            let err = errno
            close(fd)
            throw .system(.socketFailure, "getsockname()", errno: err)
        }
        let family = storage.ss_family
        let boundPort: UInt16 = withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (fd, Int(boundPort))
    }

    /// Connects to `host:port` within `timeout`; the returned socket is blocking with TCP_NODELAY.
    /// - Throws: `.socketFailure` carrying `errno` (ECONNREFUSED when nothing listens), `.timedOut`.
    static func connect(host: String, port: Int, timeout: Duration, from source: String? = nil) throws(HTTPError) -> Int32 {
        let address = try address(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(.socketFailure, "socket()", errno: errno) }
        if let source {
            // A chosen source address (tests: 127.0.0.2 is a second loopback peer on Linux).
            let local = try self.address(host: source, port: 0)
            guard local.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
                let err = errno
                close(fd)
                throw .system(.socketFailure, "cannot bind to \(source)", errno: err)
            }
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result != 0 {
            let err = errno
            guard err == EINPROGRESS else {
                close(fd)
                throw connectError(host: host, port: port, errno: err)
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pfd, 1, milliseconds(timeout))
            guard ready > 0 else {
                close(fd)
                throw HTTPError(.timedOut, "connecting to \(host):\(port) took longer than \(timeout)")
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else {
                close(fd)
                throw connectError(host: host, port: port, errno: soError)
            }
        }
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        configureConnected(fd)
        return fd
    }

    /// Errors from `connect`, with ECONNREFUSED recognisable by `isConnectionRefused`.
    private static func connectError(host: String, port: Int, errno err: Int32) -> HTTPError {
        .system(.socketFailure, "cannot connect to \(host):\(port)", errno: err)
    }

    /// Sets TCP_NODELAY (request/response traffic; Nagle plus delayed ACK would add 40 ms stalls).
    static func configureConnected(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sets the kernel send timeout, so a peer that stops reading cannot block a writer forever.
    static func setSendTimeout(_ fd: Int32, _ timeout: Duration) {
        let ms = max(1, milliseconds(timeout))
        var tv = timeval(tv_sec: Int(ms / 1000), tv_usec: suseconds_t((ms % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits until `fd` is readable, `wakeFD` is readable (when given), or `deadline` passes.
    static func waitReadable(_ fd: Int32, wakeFD: Int32?, until deadline: ContinuousClock.Instant) -> Readiness {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        if let wakeFD { fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
        // Bounded: each iteration either returns or was interrupted by a signal (EINTR).
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return .timedOut }
            let result = poll(&fds, nfds_t(fds.count), max(1, milliseconds(remaining)))
            if result < 0 {
                if errno == EINTR { continue }
                return .readable  // let the read report the error
            }
            if result == 0 { continue }  // re-check the deadline (poll rounds to milliseconds)
            if fds[0].revents != 0 { return .readable }
            if fds.count > 1 && fds[1].revents != 0 { return .woken }
        }
    }

    /// Writes all of `bytes`; false when the peer is gone or the send timeout expired.
    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            if n == 0 { return false }
            offset += n
        }
        return true
    }

    /// Writes all of `bytes`; false when the peer is gone or the send timeout expired.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { sendAll(fd, $0) }
    }

    /// Reads once into `buffer`; the count, 0 at end of stream, or -1 with `errno` set.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    /// Whole milliseconds in `duration`, rounded up, clamped to Int32.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms))
    }
}

#if os(Linux)
/// `accept4(2)`: Glibc's module map hides GNU extensions, so declare it. With SOCK_CLOEXEC the
/// accepted descriptor can never leak into a child process spawned concurrently.
@_silgen_name("accept4")
private func _accept4(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?, _ flags: Int32) -> Int32

/// `pipe2(2)`, declared for the same reason as `accept4`.
@_silgen_name("pipe2")
private func _pipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif

extension POSIXSocket {
    /// Accepts one connection as a blocking, close-on-exec descriptor; -1 with `errno` on failure.
    /// `peer` receives the peer's address bytes: 4 for IPv4 (also for IPv4-mapped IPv6), 16 for
    /// IPv6, empty if unknown.
    static func acceptConnection(_ listenFD: Int32, peer: inout [UInt8]) -> Int32 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { acceptConnection(listenFD, $0, &length) }
        }
        peer = []
        guard fd >= 0 else { return fd }
        switch Int32(storage.ss_family) {
        case AF_INET:
            withUnsafeBytes(of: &storage) { raw in
                let a = raw.load(as: sockaddr_in.self)
                withUnsafeBytes(of: a.sin_addr) { peer = Array($0) }
            }
        case AF_INET6:
            withUnsafeBytes(of: &storage) { raw in
                let a = raw.load(as: sockaddr_in6.self)
                withUnsafeBytes(of: a.sin6_addr) { bytes in
                    let v6 = Array(bytes)
                    let mapped = v6[0..<10].allSatisfy { $0 == 0 } && v6[10] == 0xFF && v6[11] == 0xFF
                    peer = mapped ? Array(v6[12..<16]) : v6
                }
            }
        default: break
        }
        return fd
    }

    private static func acceptConnection(_ listenFD: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>) -> Int32 {
        #if os(Linux)
        return _accept4(listenFD, address, length, Int32(SOCK_CLOEXEC.rawValue))
        #else
        let fd = accept(listenFD, address, length)
        if fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        }
        return fd
        #endif
    }

    /// Creates a close-on-exec pipe; returns (read end, write end).
    static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        #if os(Linux)
        guard _pipe2(&fds, Int32(O_CLOEXEC)) == 0 else { return nil }
        #else
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        #endif
        return (fds[0], fds[1])
    }
}
