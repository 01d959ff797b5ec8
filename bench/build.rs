include!("../crates/cinder-storage/build.rs");
