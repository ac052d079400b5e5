//! Nagle's algorithm off on the connections to PostgreSQL.
//!
//! sqlx 0.9.0 opens its TCP sockets with Nagle's algorithm on (upstream issue #4335) and
//! gives no way to reach the socket. A statement larger than the socket's send buffer
//! (16 KiB at first on Linux) leaves in two writes; the second waits for the server to
//! acknowledge the first, and the server delays that acknowledgement by ~40 ms. Seen on a
//! live worker with strace: a 32 KiB insert answered 43.6 ms after it was sent, for 1.8 ms
//! of execution — every close-of-business batch and every large group paid it.
//!
//! Until sqlx sets `TCP_NODELAY` itself, each new connection turns it on for every TCP
//! socket the process holds (a few dozen at most, once per pooled connection). Turning
//! it on for a socket that is not ours, or that already has it, changes nothing but the
//! same latency for the better; a file descriptor that is not a TCP socket refuses the
//! option, and that refusal is ignored.

/// Turns `TCP_NODELAY` on for every TCP socket of this process; returns how many
/// accepted it. Never fails: a socket that refuses only keeps its old setting.
#[cfg(target_os = "linux")]
pub fn all_tcp_sockets() -> usize {
    use std::os::fd::RawFd;

    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    let on: libc::c_int = 1;
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
        .filter(|fd| {
            // SAFETY: `setsockopt` reads `size_of::<c_int>()` bytes from a live local
            // and touches nothing else. A descriptor closed since the listing answers
            // EBADF, one that is no TCP socket ENOTSOCK or ENOPROTOOPT: all ignored.
            let answer = unsafe {
                libc::setsockopt(
                    *fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_NODELAY,
                    (&on as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            answer == 0
        })
        .count()
}

/// Elsewhere the kernel's default stays: this platform is run and measured on Linux.
#[cfg(not(target_os = "linux"))]
pub fn all_tcp_sockets() -> usize {
    0
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use super::all_tcp_sockets;

    #[test]
    fn a_socket_opened_with_nagle_on_has_it_off_afterwards() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let client =
            TcpStream::connect(listener.local_addr().expect("its address")).expect("a connection");
        let (server, _) = listener.accept().expect("the other end");
        assert!(
            !client.nodelay().expect("readable"),
            "Nagle is on by default"
        );

        let turned = all_tcp_sockets();

        assert!(client.nodelay().expect("readable"));
        assert!(server.nodelay().expect("readable"));
        assert!(turned >= 2, "both ends at least, got {turned}");
    }
}
