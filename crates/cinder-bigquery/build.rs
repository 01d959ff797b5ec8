include!("../cinder-storage/build.rs");
