//! buildMetadata options at the end of a build (interface stub).

use crate::render::resmap::ResMap;

pub fn finish(resources: &mut ResMap, options: &[String]) {
    let _ = (resources, options);
}
