//! Browser entry point of Replication Lab: installs the panic panel, then mounts the Yew app.

fn main() {
    replication_lab::start();
}
