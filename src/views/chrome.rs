//! What every page carries around its content: the stylesheets and whose pages they are.

use std::sync::Arc;

use crate::AppState;
use crate::brand::Brand;

/// The product's own name, shown where no brand is set.
pub const PRODUCT_NAME: &str = "servicefit";

/// The frame of a page: `base.html` and `embed_base.html` read it.
#[derive(Clone)]
pub struct Chrome {
    /// The site's stylesheet.
    pub css: String,
    /// The firm whose pages these are, when servicefit runs under `--brand`.
    pub brand: Option<Arc<Brand>>,
}

impl Chrome {
    /// The pages owners see: under the firm's brand when one is set.
    pub fn owner(state: &AppState) -> Self {
        Self::with_brand(state.brand.clone())
    }

    /// servicefit's own frame, brand or not: the consultants' pages, which are the firm's tool.
    pub fn product() -> Self {
        Self::with_brand(None)
    }

    pub fn with_brand(brand: Option<Arc<Brand>>) -> Self {
        Self {
            css: crate::assets::css_url(),
            brand,
        }
    }

    /// The name pages carry in their titles: the firm's, or servicefit's.
    pub fn name(&self) -> &str {
        self.brand
            .as_deref()
            .map_or(PRODUCT_NAME, |b| b.name.as_str())
    }
}
