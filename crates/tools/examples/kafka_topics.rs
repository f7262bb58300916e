//! Runs kafka-topics from this library without the `gregor` binary, for trying it by hand:
//! `cargo run -p gregor-tools --example kafka_topics -- --zookeeper 127.0.0.1:2181 --list`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code =
        gregor_tools::kafka_topics_main(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
