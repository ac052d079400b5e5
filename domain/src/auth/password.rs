//! Passwords: accepted by length (NIST SP 800-63B: no composition rules), hashed with
//! Argon2id at the OWASP parameters, and verified in constant time by the hash.
//!
//! Argon2 works in 19 MiB of memory per hash. Letting the `argon2` crate allocate it on
//! every call made the process grow without bound under logins: glibc kept the freed
//! blocks in each blocking thread's arena (300 registrations took `fenqi serve` from
//! 119 MB to 978 MB, never given back). [`Hashing`] owns one block buffer per hashing
//! slot instead and lends it to each hash, so after warm-up hashing allocates nothing.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::DomainError;

/// OWASP's Argon2id recommendation: 19 MiB of memory, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;
/// The parameters new hashes are made with. Evaluated at compile time, so a wrong
/// constant fails the build rather than a login.
const POLICY: Params = match Params::new(MEMORY_KIB, PASSES, LANES, None) {
    Ok(params) => params,
    Err(_) => panic!("the Argon2 policy parameters are invalid"),
};
/// Bytes of random salt per hash (the `argon2` crate's recommendation, as before).
const SALT_LEN: usize = 16;
/// Bytes of hash output (the `argon2` crate's default, as before).
const OUTPUT_LEN: usize = 32;

/// The most memory (KiB) a stored hash may ask for when verified. The stored string sets
/// the parameters of its own check, so without a bound a tampered row could make one
/// login allocate gigabytes. Room is left for a future policy above today's 19 MiB.
pub const MAX_STORED_MEMORY_KIB: u32 = 64 * 1024;
/// The most passes a stored hash may ask for (CPU time, for the same reason).
pub const MAX_STORED_PASSES: u32 = 8;
/// The most lanes a stored hash may ask for (lanes are computed one after the other here).
pub const MAX_STORED_LANES: u32 = 8;

/// The shortest password accepted.
pub const MIN_LEN: usize = 8;
/// The longest password accepted (bounds the hashing cost of a request).
pub const MAX_LEN: usize = 128;

/// A password that meets the policy. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Accepts 8 to 128 characters that are not all the same character.
    pub fn parse(input: &str, field: &str) -> Result<Self, DomainError> {
        let len = input.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(DomainError::validation(
                field,
                format!("Choose a password of {MIN_LEN} to {MAX_LEN} characters."),
            ));
        }
        let mut chars = input.chars();
        if let Some(first) = chars.next()
            && chars.all(|c| c == first)
        {
            return Err(DomainError::validation(
                field,
                "Choose a password that is not one character repeated.",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The clear text, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Password hashing with bounded memory: at most `slots` hashes run at once (each is
/// 19 MiB and tens of milliseconds of one core, so a burst of logins queues instead of
/// exhausting memory and every core), each in a block buffer kept for reuse. The process
/// holds at most `slots` × 19 MiB for hashing, allocated on first use, and never
/// allocates it again.
pub struct Hashing {
    slots: Arc<Semaphore>,
    buffers: Arc<Buffers>,
}

/// The idle block buffers, each [`POLICY`]-sized.
struct Buffers {
    idle: Mutex<Vec<Box<[Block]>>>,
    /// How many buffers may be kept (one per slot).
    capacity: usize,
    /// How many buffers were ever allocated, pooled or for one call (for tests).
    allocations: AtomicUsize,
}

impl Buffers {
    fn take_idle(&self) -> Option<Box<[Block]>> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    fn give_back(&self, blocks: Box<[Block]>) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.capacity {
            idle.push(blocks);
        }
    }

    /// Allocates `count` blocks, reporting a failure instead of aborting the process.
    fn allocate(&self, count: usize) -> Result<Box<[Block]>, DomainError> {
        let mut blocks = Vec::new();
        blocks
            .try_reserve_exact(count)
            .map_err(|e| DomainError::Internal(format!("memory for {count} Argon2 blocks: {e}")))?;
        blocks.resize(count, Block::new());
        self.allocations.fetch_add(1, Ordering::Relaxed);
        Ok(blocks.into_boxed_slice())
    }
}

/// One hashing slot and its buffer, moved into the blocking task that hashes. Dropping it,
/// also while a panic unwinds, gives the buffer back to the pool before the slot is freed,
/// so whoever takes the slot next finds the buffer there.
struct Lease {
    blocks: Option<Box<[Block]>>,
    home: Arc<Buffers>,
    _slot: OwnedSemaphorePermit,
}

impl Lease {
    /// The slot's pooled buffer, allocated the first time the slot is used.
    fn pooled(&mut self) -> Result<&mut [Block], DomainError> {
        let blocks = match self.blocks.take() {
            Some(blocks) => blocks,
            None => self.home.allocate(POLICY.block_count())?,
        };
        Ok(self.blocks.insert(blocks))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(blocks) = self.blocks.take() {
            self.home.give_back(blocks);
        }
    }
}

impl Hashing {
    /// Hashing with `slots` concurrent hashes (at least one).
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            buffers: Arc::new(Buffers {
                idle: Mutex::new(Vec::with_capacity(slots)),
                capacity: slots,
                allocations: AtomicUsize::new(0),
            }),
        }
    }

    /// Hashes a password to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`), waiting for
    /// a slot; the work runs on a blocking thread.
    pub async fn hash(&self, password: Password) -> Result<String, DomainError> {
        self.with_lease(move |lease| {
            let mut salt = [0u8; SALT_LEN];
            getrandom::fill(&mut salt)
                .map_err(|e| DomainError::Internal(format!("salt for a password hash: {e}")))?;
            hash_with_salt(password.expose().as_bytes(), &salt, lease.pooled()?)
        })
        .await
    }

    /// True when `password` matches the stored PHC string, waiting for a slot; the work
    /// runs on a blocking thread. A string that does not parse, or asks for more than
    /// [`MAX_STORED_MEMORY_KIB`], [`MAX_STORED_PASSES`] or [`MAX_STORED_LANES`], matches
    /// nothing and costs nothing.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<bool, DomainError> {
        let Some(stored) = StoredHash::parse(stored) else {
            return Ok(false);
        };
        let password = password.to_owned();
        self.with_lease(move |lease| stored.matches(password.as_bytes(), lease))
            .await
    }

    /// Runs `work` on a blocking thread with a slot and its buffer. The slot is held until
    /// the work ends, even if the caller stops waiting: a cancelled request cannot let
    /// more hashes run than there are slots, nor more buffers exist.
    async fn with_lease<T, F>(&self, work: F) -> Result<T, DomainError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Lease) -> Result<T, DomainError> + Send + 'static,
    {
        let slot = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|e| DomainError::Internal(format!("hashing slots: {e}")))?;
        let mut lease = Lease {
            blocks: self.buffers.take_idle(),
            home: Arc::clone(&self.buffers),
            _slot: slot,
        };
        tokio::task::spawn_blocking(move || work(&mut lease))
            .await
            .map_err(|e| DomainError::Internal(format!("password hashing task: {e}")))?
    }

    /// Buffers waiting in the pool.
    #[cfg(test)]
    fn idle(&self) -> usize {
        self.buffers
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Buffers ever allocated.
    #[cfg(test)]
    fn allocations(&self) -> usize {
        self.buffers.allocations.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for Hashing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hashing")
            .field("slots", &self.buffers.capacity)
            .field("free_slots", &self.slots.available_permits())
            .finish_non_exhaustive()
    }
}

/// Computes the policy hash of `password` with `salt` in `blocks` and encodes it as the
/// `argon2` crate's `PasswordHasher` did, so stored strings keep their format.
fn hash_with_salt(
    password: &[u8],
    salt: &[u8],
    blocks: &mut [Block],
) -> Result<String, DomainError> {
    let failed =
        |e: &dyn fmt::Display| DomainError::Internal(format!("password hashing failed: {e}"));
    let mut out = [0u8; OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, POLICY)
        .hash_password_into_with_memory(password, salt, &mut out, blocks)
        .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&POLICY).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// A stored hash, parsed and checked against the bounds before any memory is committed.
struct StoredHash {
    argon2: Argon2<'static>,
    blocks: usize,
    salt: Salt,
    expected: Output,
}

impl StoredHash {
    /// Parses a PHC string of any Argon2 variant and version (as the `argon2` crate's
    /// verifier accepted), refusing parameters above the bounds.
    fn parse(stored: &str) -> Option<Self> {
        let parsed = PasswordHash::new(stored).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        if params.m_cost() > MAX_STORED_MEMORY_KIB
            || params.t_cost() > MAX_STORED_PASSES
            || params.p_cost() > MAX_STORED_LANES
        {
            tracing::warn!(
                m_cost = params.m_cost(),
                t_cost = params.t_cost(),
                p_cost = params.p_cost(),
                "a stored password hash asks for more than the bounds and was refused"
            );
            return None;
        }
        Some(Self {
            blocks: params.block_count(),
            argon2: Argon2::new(algorithm, version, params),
            salt: parsed.salt?,
            expected: parsed.hash?,
        })
    }

    /// Recomputes the hash of `password` and compares it in constant time (`Output`'s
    /// equality is constant-time).
    fn matches(&self, password: &[u8], lease: &mut Lease) -> Result<bool, DomainError> {
        let mut buf = [0u8; Output::MAX_LENGTH];
        let Some(out) = buf.get_mut(..self.expected.len()) else {
            return Ok(false);
        };
        let computed = if self.blocks <= POLICY.block_count() {
            // The pooled buffer serves today's parameters and any smaller ones (Argon2
            // uses the first `blocks` and overwrites them before reading).
            self.argon2.hash_password_into_with_memory(
                password,
                &self.salt,
                &mut *out,
                lease.pooled()?,
            )
        } else {
            // Made under more memory than the policy's (a later policy, or a row written
            // by another tool; still within the bounds): the pooled buffer is too small,
            // so this call allocates its own and frees it after, rather than every slot
            // keeping a larger buffer for rows that should be rare.
            let mut blocks = lease.home.allocate(self.blocks)?;
            self.argon2.hash_password_into_with_memory(
                password,
                &self.salt,
                &mut *out,
                &mut blocks[..],
            )
        };
        if computed.is_err() {
            return Ok(false);
        }
        Ok(Output::new(out).is_ok_and(|computed| computed == self.expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher;

    /// Made by the code before the pool (`Argon2::hash_password` of the `argon2` crate, the
    /// OWASP parameters) from the password "correct horse battery".
    const OLD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$R6Ct3T8qMBZl2iq9Blr9og$IB2zYp7sVgfb9nI18YWUHAMX7wPuomEKQkbZZh73Rh4";

    fn one_slot() -> Hashing {
        Hashing::new(1)
    }

    #[tokio::test]
    async fn hashes_with_argon2id_owasp_parameters_and_verifies() {
        let hashing = one_slot();
        let password = Password::parse("correct horse battery", "password").unwrap();
        let stored = hashing.hash(password).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            hashing
                .verify("correct horse battery", &stored)
                .await
                .unwrap()
        );
        assert!(
            !hashing
                .verify("wrong horse battery", &stored)
                .await
                .unwrap()
        );
        assert!(!hashing.verify("anything", "not a hash").await.unwrap());
    }

    #[tokio::test]
    async fn the_buffer_goes_back_to_the_pool_and_is_reused() {
        let hashing = Hashing::new(2);
        assert_eq!((hashing.idle(), hashing.allocations()), (0, 0));
        let stored = hashing
            .hash(Password::parse("correct horse battery", "p").unwrap())
            .await
            .unwrap();
        assert_eq!((hashing.idle(), hashing.allocations()), (1, 1));
        for _ in 0..3 {
            assert!(
                hashing
                    .verify("correct horse battery", &stored)
                    .await
                    .unwrap()
            );
            assert!(
                !hashing
                    .verify("wrong horse battery", &stored)
                    .await
                    .unwrap()
            );
        }
        // Sequential hashes share one buffer; the second slot never needed its own.
        assert_eq!((hashing.idle(), hashing.allocations()), (1, 1));
        assert_eq!(hashing.slots.available_permits(), 2);
    }

    #[tokio::test]
    async fn a_panic_or_an_error_while_hashing_still_returns_the_buffer() {
        let hashing = one_slot();
        let panicked = hashing
            .with_lease(|lease| -> Result<(), DomainError> {
                lease.pooled()?;
                panic!("hashing blew up");
            })
            .await;
        assert!(matches!(panicked, Err(DomainError::Internal(_))));
        assert_eq!((hashing.idle(), hashing.allocations()), (1, 1));

        let failed = hashing
            .with_lease(|lease| {
                // A salt shorter than Argon2's minimum makes the hash fail.
                hash_with_salt(b"password", b"short", lease.pooled()?)
            })
            .await;
        assert!(matches!(failed, Err(DomainError::Internal(_))));
        assert_eq!((hashing.idle(), hashing.allocations()), (1, 1));
        assert_eq!(hashing.slots.available_permits(), 1);
    }

    #[tokio::test]
    async fn hashes_made_before_the_pool_still_verify() {
        let hashing = one_slot();
        assert!(
            hashing
                .verify("correct horse battery", OLD_HASH)
                .await
                .unwrap()
        );
        assert!(
            !hashing
                .verify("wrong horse battery", OLD_HASH)
                .await
                .unwrap()
        );

        // And the pooled hash of a salt is byte for byte the crate's.
        const SALT: &[u8; SALT_LEN] = b"sixteen bytes!!!";
        let old = Argon2::new(Algorithm::Argon2id, Version::V0x13, POLICY)
            .hash_password_with_salt(b"correct horse battery", SALT)
            .unwrap()
            .to_string();
        let new = hashing
            .with_lease(move |lease| {
                hash_with_salt(b"correct horse battery", SALT, lease.pooled()?)
            })
            .await
            .unwrap();
        assert_eq!(new, old);
        assert!(hashing.verify("correct horse battery", &old).await.unwrap());
    }

    #[tokio::test]
    async fn smaller_and_larger_parameters_within_the_bounds_verify() {
        let hashing = one_slot();
        let salt = b"a salt of enough bytes";
        for (m, t, p) in [(4096, 1, 1), (8192, 3, 2), (32 * 1024, 2, 1)] {
            let params = Params::new(m, t, p, None).unwrap();
            let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password_with_salt(b"correct horse battery", salt)
                .unwrap()
                .to_string();
            assert!(
                hashing
                    .verify("correct horse battery", &stored)
                    .await
                    .unwrap(),
                "{stored}"
            );
            assert!(
                !hashing
                    .verify("wrong horse battery", &stored)
                    .await
                    .unwrap()
            );
        }
        // The 32 MiB hash allocated its own memory twice; the pool kept one buffer.
        assert_eq!((hashing.idle(), hashing.allocations()), (1, 3));
    }

    #[tokio::test]
    async fn parameters_above_the_bounds_are_refused_without_allocating() {
        let hashing = one_slot();
        let good = hashing
            .hash(Password::parse("correct horse battery", "p").unwrap())
            .await
            .unwrap();
        let before = hashing.allocations();
        for params in [
            "m=4194304,t=2,p=1",
            "m=19456,t=1000,p=1",
            "m=19456,t=2,p=64",
        ] {
            let tampered = good.replace("m=19456,t=2,p=1", params);
            assert_ne!(tampered, good);
            assert!(StoredHash::parse(&tampered).is_none(), "{tampered}");
            assert!(
                !hashing
                    .verify("correct horse battery", &tampered)
                    .await
                    .unwrap()
            );
        }
        assert_eq!(hashing.allocations(), before);
        // Within the bounds the same string parses: the refusals above are the bounds'.
        let within = good.replace("m=19456,t=2,p=1", "m=65536,t=8,p=8");
        assert!(StoredHash::parse(&within).is_some());
    }

    #[test]
    fn policy_is_length_only() {
        assert!(Password::parse("short", "password").is_err());
        assert!(Password::parse("aaaaaaaaaa", "password").is_err());
        assert!(Password::parse(&"x".repeat(129), "password").is_err());
        assert!(Password::parse("plain words are fine", "password").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("secret-enough", "p").unwrap()),
            "Password(***)"
        );
    }
}
