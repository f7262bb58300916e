//! Development tool (not part of the library): a minimal single-partition "broker" on std::net
//! that answers real clients just enough to make them talk (ApiVersions, Metadata, Produce,
//! ListOffsets, Fetch, FindCoordinator...) and saves every request frame they send, size prefix
//! included, as `<dir>/<client>-<api>-v<version>-<n>.bin` golden fixtures.
//!
//! Usage: `cargo run -p gregor-protocol --example capture_frames -- <port> <dir> <client-label>`

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use gregor_protocol::*;

static FRAME_COUNT: AtomicUsize = AtomicUsize::new(0);

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(19092);
    let dir = PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "captured".into()));
    let label = args.get(3).cloned().unwrap_or_else(|| "client".into());
    std::fs::create_dir_all(&dir)?;
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    for stream in listener.incoming() {
        let stream = stream?;
        let (dir, label) = (dir.clone(), label.clone());
        std::thread::spawn(move || {
            if let Err(error) = serve(stream, port, &dir, &label) {
                eprintln!("connection closed: {error}");
            }
        });
    }
    Ok(())
}

fn serve(mut stream: TcpStream, port: u16, dir: &Path, label: &str) -> std::io::Result<()> {
    loop {
        let mut size = [0u8; 4];
        stream.read_exact(&mut size)?;
        let len = i32::from_be_bytes(size).clamp(0, 1 << 24) as usize;
        let mut payload = vec![0u8; len];
        stream.read_exact(&mut payload)?;
        let payload = Bytes::from(payload);
        let header = RequestHeader::decode(&mut Decoder::new(payload.clone()))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let n = FRAME_COUNT.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{label}-{}-v{}-{n:03}.bin",
            header.request_api_key.name(),
            header.request_api_version
        );
        let mut file = size.to_vec();
        file.extend_from_slice(&payload);
        std::fs::write(dir.join(name), file)?;
        let (api_key, version) = (header.request_api_key, header.request_api_version);
        let response = match decode_request(payload) {
            Ok((_, body)) => answer(body, port),
            Err(DecodeError::UnsupportedVersion { .. }) if api_key == ApiKey::ApiVersions => {
                let body = ApiVersionsResponse::unsupported_version(3).into();
                write_frame(
                    &mut stream,
                    encode_response(header.correlation_id, api_key, 0, &body),
                )?;
                continue;
            }
            Err(error) => return Err(std::io::Error::other(error.to_string())),
        };
        let Some(body) = response else { continue };
        write_frame(
            &mut stream,
            encode_response(header.correlation_id, api_key, version, &body),
        )?;
    }
}

fn write_frame(
    stream: &mut TcpStream,
    frame: Result<EncodedFrame, EncodeError>,
) -> std::io::Result<()> {
    let frame = frame.map_err(|e| std::io::Error::other(e.to_string()))?;
    let bytes = frame
        .to_bytes()
        .ok_or_else(|| std::io::Error::other("external chunk"))?;
    stream.write_all(&(bytes.len() as i32).to_be_bytes())?;
    stream.write_all(&bytes)
}

fn answer(body: RequestBody, port: u16) -> Option<ResponseBody> {
    Some(match body {
        RequestBody::ApiVersions(_) => ApiVersionsResponse::from_ranges(
            ApiKey::ALL
                .iter()
                .filter(|key| is_implemented(**key))
                .map(|key| (*key, key.valid_versions())),
        )
        .into(),
        RequestBody::Metadata(request) => metadata(request, port).into(),
        RequestBody::Produce(request) if request.acks == 0 => return None,
        RequestBody::Produce(request) => ProduceResponse {
            responses: request
                .topics
                .iter()
                .map(|topic| ProduceResponseTopic {
                    name: topic.name.clone(),
                    partitions: topic
                        .partitions
                        .iter()
                        .map(|p| ProduceResponsePartition {
                            partition_index: p.partition_index,
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::ListOffsets(request) => ListOffsetsResponse {
            topics: request
                .topics
                .iter()
                .map(|topic| ListOffsetsResponseTopic {
                    topic: topic.topic.clone(),
                    partitions: topic
                        .partitions
                        .iter()
                        .map(|p| ListOffsetsResponsePartition {
                            partition: p.partition,
                            offset: 0,
                            offsets: vec![0],
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::Fetch(request) => {
            // Long-poll like a real broker so the client does not spin.
            std::thread::sleep(std::time::Duration::from_millis(
                request.max_wait_ms.clamp(0, 500) as u64,
            ));
            FetchResponse {
                responses: request
                    .topics
                    .iter()
                    .map(|topic| FetchResponseTopic {
                        topic: topic.topic.clone(),
                        partitions: topic
                            .partitions
                            .iter()
                            .map(|p| FetchResponsePartition {
                                partition: p.partition,
                                high_watermark: 0,
                                last_stable_offset: 0,
                                log_start_offset: 0,
                                records: Some(RecordsData::default()),
                                ..Default::default()
                            })
                            .collect(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }
            .into()
        }
        RequestBody::FindCoordinator(_) => FindCoordinatorResponse {
            error_message: Some("NONE".into()),
            node_id: 1,
            host: "127.0.0.1".into(),
            port: i32::from(port),
            ..Default::default()
        }
        .into(),
        RequestBody::InitProducerId(_) => InitProducerIdResponse {
            producer_id: 1000,
            ..Default::default()
        }
        .into(),
        RequestBody::JoinGroup(request) => {
            let member_id = if request.member_id.is_empty() {
                "member-1".to_string()
            } else {
                request.member_id.clone()
            };
            let protocol = request.protocols.first().cloned().unwrap_or_default();
            JoinGroupResponse {
                generation_id: 1,
                protocol_name: protocol.name,
                leader: member_id.clone(),
                member_id: member_id.clone(),
                members: vec![JoinGroupResponseMember {
                    member_id,
                    metadata: protocol.metadata,
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into()
        }
        RequestBody::SyncGroup(request) => SyncGroupResponse {
            assignment: request
                .assignments
                .iter()
                .find(|a| a.member_id == request.member_id)
                .map(|a| a.assignment.clone())
                .unwrap_or_default(),
            ..Default::default()
        }
        .into(),
        RequestBody::Heartbeat(_) => HeartbeatResponse::default().into(),
        RequestBody::LeaveGroup(_) => LeaveGroupResponse::default().into(),
        RequestBody::OffsetFetch(request) => OffsetFetchResponse {
            topics: request
                .topics
                .unwrap_or_default()
                .into_iter()
                .map(|topic| OffsetFetchResponseTopic {
                    name: topic.name,
                    partitions: topic
                        .partition_indexes
                        .iter()
                        .map(|p| OffsetFetchResponsePartition {
                            partition_index: *p,
                            committed_offset: -1,
                            metadata: Some(String::new()),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::OffsetCommit(request) => OffsetCommitResponse {
            topics: request
                .topics
                .iter()
                .map(|topic| OffsetCommitResponseTopic {
                    name: topic.name.clone(),
                    partitions: topic
                        .partitions
                        .iter()
                        .map(|p| OffsetCommitResponsePartition {
                            partition_index: p.partition_index,
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::CreateTopics(request) => CreateTopicsResponse {
            topics: request
                .topics
                .iter()
                .map(|t| CreatableTopicResult {
                    name: t.name.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::DeleteTopics(request) => DeleteTopicsResponse {
            responses: request
                .topic_names
                .iter()
                .map(|name| DeletableTopicResult {
                    name: name.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::ListGroups(_) => ListGroupsResponse::default().into(),
        RequestBody::DescribeGroups(request) => DescribeGroupsResponse {
            groups: request
                .groups
                .iter()
                .map(|g| DescribedGroup {
                    group_id: g.clone(),
                    group_state: "Dead".into(),
                    authorized_operations: 0,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::DescribeConfigs(request) => DescribeConfigsResponse {
            resources: request
                .resources
                .iter()
                .map(|r| DescribeConfigsResult {
                    resource_type: r.resource_type,
                    resource_name: r.resource_name.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::CreatePartitions(request) => CreatePartitionsResponse {
            results: request
                .topics
                .iter()
                .map(|t| CreatePartitionsTopicResult {
                    name: t.name.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        RequestBody::DeleteGroups(request) => DeleteGroupsResponse {
            results: request
                .groups_names
                .iter()
                .map(|g| DeletableGroupResult {
                    group_id: g.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
        .into(),
        _ => return None,
    })
}

fn metadata(request: MetadataRequest, port: u16) -> MetadataResponse {
    let names: Vec<String> = match request.topics {
        Some(topics) if !topics.is_empty() => topics.into_iter().map(|t| t.name).collect(),
        _ => vec!["golden".into()],
    };
    MetadataResponse {
        brokers: vec![MetadataResponseBroker {
            node_id: 1,
            host: "127.0.0.1".into(),
            port: i32::from(port),
            rack: None,
            ..Default::default()
        }],
        cluster_id: Some("capture-cluster".into()),
        controller_id: 1,
        topics: names
            .into_iter()
            .map(|name| MetadataResponseTopic {
                name,
                partitions: vec![MetadataResponsePartition {
                    partition_index: 0,
                    leader_id: 1,
                    leader_epoch: 0,
                    replica_nodes: vec![1],
                    isr_nodes: vec![1],
                    ..Default::default()
                }],
                topic_authorized_operations: 0,
                ..Default::default()
            })
            .collect(),
        cluster_authorized_operations: 0,
        ..Default::default()
    }
}
