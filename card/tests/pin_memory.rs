//! A typed PIN leaves no copy of itself in freed memory: the PIN types refuse input at the length limit
//! before their zeroizing buffer would grow (growing moves the bytes and frees the old block unzeroized).
//!
//! A global allocator watches, on this test's thread only, every block freed or moved while a PIN is being
//! checked, and counts those that still hold the normalised PIN.

#![allow(unsafe_code)] // the watching allocator: see above and card/Cargo.toml

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use kazasu_card::{AuthPin, PinError, SignPin};

struct Watch;

thread_local! {
    static MARK: Cell<Option<&'static [u8]>> = const { Cell::new(None) };
    static LEFT_BEHIND: Cell<usize> = const { Cell::new(0) };
}

fn check(ptr: *mut u8, size: usize) {
    let Ok(Some(mark)) = MARK.try_with(Cell::get) else { return };
    // SAFETY: `ptr` is a live allocation of `size` bytes handed to dealloc/realloc by its owner.
    let block = unsafe { std::slice::from_raw_parts(ptr, size) };
    if block.windows(mark.len()).any(|w| w == mark) {
        let _ = LEFT_BEHIND.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: forwards every call to the system allocator; only reads blocks it is given.
unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        check(ptr, layout.size());
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(ptr, layout.size());
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static WATCH: Watch = Watch;

/// Runs `f` while watching for `mark` in freed or moved blocks; returns how many still held it.
fn copies_left_behind<T>(mark: &'static [u8], f: impl FnOnce() -> T) -> (T, usize) {
    LEFT_BEHIND.with(|n| n.set(0));
    MARK.with(|m| m.set(Some(mark)));
    let out = f();
    MARK.with(|m| m.set(None));
    (out, LEFT_BEHIND.with(Cell::get))
}

#[test]
fn a_17_character_sign_pin_is_refused_without_leaving_a_copy_in_freed_memory() {
    // Typed in lower case, so only the normalised buffer holds the upper-case mark.
    let (result, left) = copies_left_behind(b"QZ7QZ7QZ7QZ7", || SignPin::new("qz7qz7qz7qz7qz7qz").map(drop));
    assert_eq!(result, Err(PinError::SignLength { min: 6, max: 16, actual: 17 }));
    assert_eq!(left, 0, "the typed PIN was left in freed memory");
}

#[test]
fn a_much_longer_sign_pin_is_refused_the_same_way() {
    let typed = "qz7qz7qz7qz7qz7q".to_string() + &"x".repeat(200);
    let (result, left) = copies_left_behind(b"QZ7QZ7QZ7QZ7", || SignPin::new(&typed).map(drop));
    assert_eq!(result, Err(PinError::SignLength { min: 6, max: 16, actual: 216 }));
    assert_eq!(left, 0);
}

#[test]
fn an_accepted_sign_pin_is_zeroized_when_dropped() {
    let (result, left) = copies_left_behind(b"QZ7QZ7QZ7QZ7", || SignPin::new("qz7qz7qz7qz7qz7q").map(drop));
    assert_eq!(result, Ok(()));
    assert_eq!(left, 0);
}

#[test]
fn a_5_digit_auth_pin_is_refused_without_leaving_a_copy_in_freed_memory() {
    let (result, left) = copies_left_behind(b"9713", || AuthPin::new("９7135").map(drop));
    assert_eq!(result, Err(PinError::AuthFormat));
    assert_eq!(left, 0, "the typed PIN was left in freed memory");
}

#[test]
fn the_watch_sees_an_unzeroized_copy() {
    // The watch itself can fail: a plain Vec holding the mark, freed, is counted.
    let ((), left) = copies_left_behind(b"QZ7QZ7QZ7QZ7", || drop(std::hint::black_box(b"QZ7QZ7QZ7QZ7".to_vec())));
    assert_eq!(left, 1);
}
