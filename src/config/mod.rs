//! Resolve: the AWS shared config files plus aws-as's own settings, turned into an identity chain
//! before anything acts on it.

pub mod chain;
pub mod credentials_file;
pub mod index;
pub mod profiles;
pub mod settings;

pub use chain::{Base, BaseKeys, Chain, RoleHop, resolve};
pub use profiles::Profiles;
pub use settings::{Piece, PromptFormat, Settings};
