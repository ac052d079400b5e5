//! Stage 4: the agreement a customer signs. So far: the amount in Chinese capital
//! numerals ([`capital`]) every agreement states beside the figures.

pub mod capital;
