//! Money in yuan, exact to the fen.
