//! `zookeeper.connect` parsing: `host:port[,host:port...][/chroot]`, as Kafka splits it (the
//! chroot starts at the first `/` and applies to every host).

use crate::error::ZkError;

/// A parsed `zookeeper.connect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectString {
    /// `host:port,host:port` without the chroot, as the ZooKeeper client takes it.
    pub hosts: String,
    /// The chroot path (`/kafka`), `None` when absent or `/`.
    pub chroot: Option<String>,
}

impl ConnectString {
    /// Splits `connect` into hosts and chroot, refusing empty host lists and malformed chroots.
    pub fn parse(connect: &str) -> Result<ConnectString, ZkError> {
        let invalid = |reason| ZkError::InvalidConnectString {
            connect_string: connect.to_string(),
            reason,
        };
        let connect = connect.trim();
        let (hosts, chroot) = match connect.find('/') {
            Some(index) => (&connect[..index], Some(&connect[index..])),
            None => (connect, None),
        };
        if hosts.is_empty() || hosts.split(',').any(|host| host.trim().is_empty()) {
            return Err(invalid("empty host"));
        }
        let chroot = match chroot {
            None | Some("/") => None,
            Some(path) if path.ends_with('/') || path.contains("//") => {
                return Err(invalid("chroot must not end with '/' or contain '//'"))
            }
            Some(path) => Some(path.to_string()),
        };
        Ok(ConnectString {
            hosts: hosts.to_string(),
            chroot,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_hosts_and_chroot_like_kafka() {
        let parsed = ConnectString::parse("zk1:2181,zk2:2181/kafka/prod").unwrap();
        assert_eq!(parsed.hosts, "zk1:2181,zk2:2181");
        assert_eq!(parsed.chroot.as_deref(), Some("/kafka/prod"));
        assert_eq!(ConnectString::parse("localhost:2181").unwrap().chroot, None);
        assert_eq!(
            ConnectString::parse("localhost:2181/").unwrap().chroot,
            None
        );
    }

    #[test]
    fn refuses_empty_hosts_and_bad_chroots() {
        assert!(ConnectString::parse("").is_err());
        assert!(ConnectString::parse("/kafka").is_err());
        assert!(ConnectString::parse("a:1,,b:2").is_err());
        assert!(ConnectString::parse("a:1/kafka/").is_err());
        assert!(ConnectString::parse("a:1/x//y").is_err());
    }
}
