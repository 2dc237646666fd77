//! Unit tests of endpoint parsing and printing: every accepted form round
//! trips through `Display`, and every refusal is the typed error that names
//! the problem.

use core::num::NonZeroU16;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

use super::*;

fn tcp(s: &str) -> TcpEndpoint {
    match s.parse::<Endpoint>() {
        Ok(Endpoint::Tcp(tcp)) => tcp,
        other => panic!("{s}: {other:?}"),
    }
}

fn port(n: u16) -> Port {
    Port::Number(NonZeroU16::new(n).unwrap())
}

fn err(s: &str) -> EndpointError {
    s.parse::<Endpoint>().unwrap_err()
}

/// Parses, checks that printing gives `s` back exactly, and that the
/// printed form parses to an equal value.
fn round_trip(s: &str) -> Endpoint {
    let ep: Endpoint = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
    assert_eq!(ep.to_string(), s);
    assert_eq!(ep.to_string().parse::<Endpoint>().unwrap(), ep);
    ep
}

#[test]
fn tcp_ipv4() {
    round_trip("tcp://127.0.0.1:5555");
    let t = tcp("tcp://127.0.0.1:5555");
    assert_eq!(t.address().host(), &Host::Ipv4(Ipv4Addr::LOCALHOST));
    assert_eq!(t.address().port(), port(5555));
    assert_eq!(t.address().port().get(), 5555);
    assert_eq!(t.source(), None);
    assert_eq!(tcp("tcp://1.2.3.4:65535").address().port(), port(65535));
}

#[test]
fn tcp_ipv6() {
    round_trip("tcp://[::1]:5555");
    let t = tcp("tcp://[::1]:5555");
    assert_eq!(
        t.address().host(),
        &Host::Ipv6 {
            addr: Ipv6Addr::LOCALHOST,
            zone: None
        }
    );
    // Unbracketed, as libzmq takes it: the port follows the last colon.
    let bare = tcp("tcp://::1:5555");
    assert_eq!(bare, t);
    assert_eq!(Endpoint::Tcp(bare).to_string(), "tcp://[::1]:5555");
    // Zones by name and by index.
    let ep = round_trip("tcp://[fe80::1%eth0]:5555");
    let Endpoint::Tcp(t) = ep else { unreachable!() };
    assert_eq!(
        t.address().host(),
        &Host::Ipv6 {
            addr: "fe80::1".parse().unwrap(),
            zone: Some("eth0".into())
        }
    );
    round_trip("tcp://[fe80::1%2]:5555");
    round_trip("tcp://[::ffff:1.2.3.4]:1");
}

#[test]
fn tcp_names_are_kept_unresolved() {
    round_trip("tcp://localhost:5555");
    round_trip("tcp://server1.example.com:80");
    round_trip("tcp://eth0:5555");
    round_trip("tcp://my_host-2:1");
    assert_eq!(
        tcp("tcp://localhost:5555").address().host(),
        &Host::Name("localhost".into())
    );
}

#[test]
fn tcp_wildcards() {
    let ep = round_trip("tcp://*:5555");
    assert!(ep.is_wildcard());
    let Endpoint::Tcp(t) = &ep else {
        unreachable!()
    };
    assert_eq!(t.address().host(), &Host::Any);

    let ep = round_trip("tcp://127.0.0.1:*");
    assert!(ep.is_wildcard());
    let Endpoint::Tcp(t) = &ep else {
        unreachable!()
    };
    assert_eq!(t.address().port(), Port::Ephemeral);
    assert_eq!(t.address().port().get(), 0);

    // Port 0 is the same as `*`, and prints as `*`.
    let zero: Endpoint = "tcp://127.0.0.1:0".parse().unwrap();
    assert_eq!(zero, ep);
    assert_eq!(zero.to_string(), "tcp://127.0.0.1:*");

    round_trip("tcp://*:*");
    round_trip("tcp://[::]:*");
    assert!(Endpoint::parse_bind("tcp://*:*").is_ok());
    assert!(!round_trip("tcp://1.2.3.4:1").is_wildcard());
}

#[test]
fn tcp_source_address() {
    let ep = round_trip("tcp://192.168.1.17:5555;192.168.1.1:5555");
    let Endpoint::Tcp(t) = &ep else {
        unreachable!()
    };
    let source = t.source().unwrap();
    assert_eq!(source.host(), &Host::Ipv4(Ipv4Addr::new(192, 168, 1, 17)));
    assert_eq!(source.port(), port(5555));
    assert_eq!(
        t.address().host(),
        &Host::Ipv4(Ipv4Addr::new(192, 168, 1, 1))
    );

    // The source may be an interface with an ephemeral port, or `*`;
    // the address is then not a wild card.
    let ep = Endpoint::parse_connect("tcp://eth1:0;server1:5555").unwrap();
    assert_eq!(ep.to_string(), "tcp://eth1:*;server1:5555");
    assert!(!ep.is_wildcard());
    round_trip("tcp://*:*;[::1]:5555");
}

#[test]
fn ipc_forms() {
    let ep = round_trip("ipc:///tmp/feeds/0");
    let Endpoint::Ipc(ipc) = &ep else {
        unreachable!()
    };
    assert_eq!(ipc.path(), Some(Path::new("/tmp/feeds/0")));
    assert_eq!(ipc.abstract_name(), None);
    assert!(!ep.is_wildcard());

    let ep = round_trip("ipc://relative/feed.sock");
    let Endpoint::Ipc(ipc) = &ep else {
        unreachable!()
    };
    assert_eq!(ipc.path(), Some(Path::new("relative/feed.sock")));

    let ep = round_trip("ipc://*");
    let Endpoint::Ipc(ipc) = &ep else {
        unreachable!()
    };
    assert!(ipc.is_wildcard() && ep.is_wildcard());
    assert_eq!(ipc.path(), None);
    assert!(Endpoint::parse_bind("ipc://*").is_ok());

    // Exactly the longest path fits.
    let longest = format!("ipc://{}", "a".repeat(IPC_PATH_MAX));
    round_trip(&longest);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn ipc_abstract_on_linux() {
    let ep = round_trip("ipc://@feed");
    let Endpoint::Ipc(ipc) = &ep else {
        unreachable!()
    };
    assert_eq!(ipc.abstract_name(), Some("feed"));
    assert_eq!(ipc.path(), None);
    assert!(Endpoint::parse_connect("ipc://@feed").is_ok());
    assert!(matches!(err("ipc://@"), EndpointError::BadAddress { .. }));
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[test]
fn ipc_at_is_a_path_elsewhere() {
    let ep = round_trip("ipc://@feed");
    let Endpoint::Ipc(ipc) = &ep else {
        unreachable!()
    };
    assert_eq!(ipc.path(), Some(Path::new("@feed")));
}

#[test]
fn inproc() {
    let ep = round_trip("inproc://feed");
    let Endpoint::Inproc(inproc) = &ep else {
        unreachable!()
    };
    assert_eq!(inproc.name(), "feed");
    assert_eq!(ep.transport(), Transport::Inproc);
    // Any non-empty string is a name, `*` and `:` included.
    round_trip("inproc://*");
    round_trip("inproc://a:b;c/d");
    assert!(!round_trip("inproc://*").is_wildcard());
}

#[test]
fn transports() {
    assert_eq!(round_trip("tcp://h:1").transport(), Transport::Tcp);
    assert_eq!(round_trip("ipc://p").transport(), Transport::Ipc);
    assert_eq!(Transport::Tcp.to_string(), "tcp");
    assert_eq!(Transport::Ipc.name(), "ipc");
    assert_eq!(Transport::Inproc.name(), "inproc");
}

#[test]
fn from_socket_addr() {
    let v4: SocketAddr = "127.0.0.1:4321".parse().unwrap();
    assert_eq!(Endpoint::from(v4).to_string(), "tcp://127.0.0.1:4321");
    let v6: SocketAddr = "[::1]:4321".parse().unwrap();
    assert_eq!(Endpoint::from(v6).to_string(), "tcp://[::1]:4321");
    let scoped = SocketAddr::V6(std::net::SocketAddrV6::new(
        "fe80::1".parse().unwrap(),
        7,
        0,
        3,
    ));
    assert_eq!(Endpoint::from(scoped).to_string(), "tcp://[fe80::1%3]:7");
    assert_eq!(TcpEndpoint::from(v4), tcp("tcp://127.0.0.1:4321"));
    // Port 0 becomes `Port::Ephemeral`; 0.0.0.0 stays a numeric address.
    let unbound: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let addr = TcpAddress::from(unbound);
    assert_eq!(addr.host(), &Host::Ipv4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(addr.port(), Port::Ephemeral);
    assert!(addr.is_wildcard());
}

#[test]
fn try_from_str() {
    assert_eq!(
        Endpoint::try_from("inproc://x").unwrap(),
        "inproc://x".parse::<Endpoint>().unwrap()
    );
}

#[test]
fn error_missing_or_unknown_transport() {
    assert_eq!(
        err("127.0.0.1:5555"),
        EndpointError::MissingTransport {
            endpoint: "127.0.0.1:5555".into()
        }
    );
    assert!(matches!(
        err("tcp:/h:1"),
        EndpointError::MissingTransport { .. }
    ));
    for t in ["udp", "pgm", "epgm", "ws", "TCP", ""] {
        let e = err(&format!("{t}://h:1"));
        assert_eq!(
            e,
            EndpointError::UnsupportedTransport {
                transport: t.into()
            }
        );
        assert_eq!(e.errno_name(), "EPROTONOSUPPORT");
    }
}

#[test]
fn error_empty_address() {
    for (s, t) in [
        ("tcp://", Transport::Tcp),
        ("ipc://", Transport::Ipc),
        ("inproc://", Transport::Inproc),
    ] {
        let e = err(s);
        assert_eq!(e, EndpointError::EmptyAddress { transport: t });
        assert_eq!(e.errno_name(), "EINVAL");
    }
}

#[test]
fn error_missing_port() {
    assert_eq!(
        err("tcp://localhost"),
        EndpointError::MissingPort {
            address: "localhost".into()
        }
    );
    assert!(matches!(
        err("tcp://localhost:"),
        EndpointError::MissingPort { .. }
    ));
    assert!(matches!(
        err("tcp://[::1]:"),
        EndpointError::MissingPort { .. }
    ));
    assert_eq!(
        err("tcp://[::1]"),
        EndpointError::MissingPort {
            address: "[::1]".into()
        }
    );
    assert!(matches!(
        err("tcp://h:1;localhost"),
        EndpointError::MissingPort { .. }
    ));
}

#[test]
fn error_bad_port() {
    for p in [
        "65536",
        "70000",
        "5555x",
        "-1",
        "+80",
        " 80",
        "http",
        "1.5",
        "99999999999",
    ] {
        assert_eq!(
            err(&format!("tcp://h:{p}")),
            EndpointError::BadPort { port: p.into() },
            "{p}"
        );
    }
}

#[test]
fn error_missing_host() {
    assert_eq!(
        err("tcp://:5555"),
        EndpointError::MissingHost {
            address: ":5555".into()
        }
    );
}

#[test]
fn error_bad_address() {
    for host in [
        "[::1",          // unclosed bracket
        "[::1]x",        // junk after the bracket
        "[::1]]",        //
        "[1.2.3.4]",     // brackets hold IPv6 only
        "[localhost]",   //
        "[*]",           //
        "1:2:3",         // colons but not IPv6
        "fe80::1%",      // empty zone
        "[fe80::1%e/0]", // bad zone
        "1.2.3.4%eth0",  // zone on IPv4
        "256.1.1.1",     // dotted but not IPv4
        "10.0.0",        //
        "-host",         // name must start alphanumeric
        "host name",     // space
        "host/path",     //
        "höst",          // non-ASCII
        "**",            //
    ] {
        let e = err(&format!("tcp://{host}:1"));
        assert!(
            matches!(e, EndpointError::BadAddress { .. }),
            "{host}: {e:?}"
        );
        assert_eq!(e.errno_name(), "EINVAL");
    }
    let long = format!("tcp://{}:1", "a".repeat(254));
    assert!(matches!(err(&long), EndpointError::BadAddress { .. }));
    round_trip(&format!("tcp://{}:1", "a".repeat(253)));
    // A malformed source address, and malformed `;` use.
    for s in [
        "tcp://;h:1",
        "tcp://h:1;",
        "tcp://a:1;b:1;c:1",
        "tcp://bad host:1;h:1",
    ] {
        assert!(matches!(err(s), EndpointError::BadAddress { .. }), "{s}");
    }
    assert!(matches!(
        err("ipc://a\0b"),
        EndpointError::BadAddress { .. }
    ));
}

#[test]
fn error_wildcard_in_connect() {
    for s in [
        "tcp://*:5555",
        "tcp://h:*",
        "tcp://h:0",
        "tcp://[::]:*",
        "ipc://*",
    ] {
        assert!(s.parse::<Endpoint>().is_ok(), "{s} is valid syntax");
        let e = Endpoint::parse_connect(s).unwrap_err();
        assert!(matches!(e, EndpointError::WildcardInConnect { .. }), "{s}");
        assert_eq!(e.errno_name(), "EINVAL");
    }
    // Syntax errors come first.
    assert!(matches!(
        Endpoint::parse_connect("tcp://*:x"),
        Err(EndpointError::BadPort { .. })
    ));
}

#[test]
fn error_source_in_bind() {
    let e = Endpoint::parse_bind("tcp://eth0:0;1.2.3.4:5555").unwrap_err();
    assert_eq!(
        e,
        EndpointError::SourceInBind {
            endpoint: "tcp://eth0:*;1.2.3.4:5555".into()
        }
    );
    assert!(Endpoint::parse_connect("tcp://eth0:0;1.2.3.4:5555").is_ok());
}

#[test]
fn error_path_too_long() {
    let s = format!("ipc://{}", "a".repeat(IPC_PATH_MAX + 1));
    let e = err(&s);
    assert_eq!(
        e,
        EndpointError::PathTooLong {
            len: IPC_PATH_MAX + 1,
            max: IPC_PATH_MAX
        }
    );
    assert_eq!(e.errno_name(), "ENAMETOOLONG");
}

#[test]
fn both_sides_accept_plain_endpoints() {
    for s in [
        "tcp://127.0.0.1:5555",
        "tcp://[::1]:1",
        "ipc:///tmp/x",
        "inproc://x",
    ] {
        assert!(Endpoint::parse_bind(s).is_ok(), "{s}");
        assert!(Endpoint::parse_connect(s).is_ok(), "{s}");
    }
}

#[test]
fn error_messages_name_the_problem() {
    let msg = Endpoint::parse_connect("tcp://*:5555")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("tcp://*:5555") && msg.contains("bind only"),
        "{msg}"
    );
    let msg = err("tcp://h:99999").to_string();
    assert!(msg.contains("99999"), "{msg}");
    let msg = err("zmq://x").to_string();
    assert!(msg.contains("zmq"), "{msg}");
}
