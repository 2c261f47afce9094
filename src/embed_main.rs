//! Browser entry point of the course-page embed: the same app, built without the `full`
//! feature (`--no-default-features`), so that a course page loads only what the embed draws.
//! `index.html`'s loader picks this build for `?embed` pages (scripts/embed-loader.mjs).

fn main() {
    replication_lab::start();
}
