//! The windows and their stacking order: what the screen shows.

// Ids are small integers the server hands out: a fast non-cryptographic hash is enough, and
// lookups happen several times per request.
use rustc_hash::FxHashMap as HashMap;

use dispd_protocol::{ClientId, Color, CursorShape, EventMask, Rect, Size, WindowId};

use crate::raster::Framebuffer;

/// One window, with its own pixels (every window keeps its content, like X's backing store).
#[derive(Debug)]
pub struct Window {
    /// The window's id (from its owner's range).
    pub id: WindowId,
    /// The client that created it.
    pub owner: ClientId,
    /// Position on the screen and size.
    pub rect: Rect,
    /// Title shown by window managers.
    pub title: String,
    /// Whether it is shown.
    pub mapped: bool,
    /// Colour of new areas.
    pub background: Color,
    /// The pointer's shape over it.
    pub cursor: CursorShape,
    /// Where its client connects from, shown in the title when the server labels windows.
    pub label: Option<String>,
    /// The events its owner wants about it (all, until `SelectEvents` says otherwise).
    pub events: EventMask,
    /// Its pixels.
    pub fb: Framebuffer,
}

impl Window {
    /// The title a window manager shows: the client's, labelled with its host when asked.
    pub fn shown_title(&self) -> String {
        match &self.label {
            Some(host) => format!("{} [{host}]", self.title),
            None => self.title.clone(),
        }
    }
}

/// A change the backend must show. Rectangles are in screen coordinates unless said otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SceneChange {
    /// A window was created (unmapped).
    Created(WindowId),
    /// A window was destroyed; it covered `rect` and was or was not mapped.
    Destroyed {
        /// The window.
        window: WindowId,
        /// Where it was.
        rect: Rect,
        /// Whether it was visible.
        was_mapped: bool,
    },
    /// A window was shown, on top.
    Mapped(WindowId),
    /// A window was hidden; it covered `rect`.
    Unmapped {
        /// The window.
        window: WindowId,
        /// Where it was.
        rect: Rect,
    },
    /// A window moved or changed size; it covered `old`.
    Configured {
        /// The window.
        window: WindowId,
        /// Where it was.
        old: Rect,
    },
    /// A window's title changed.
    Retitled(WindowId),
    /// A window's pointer shape changed.
    Cursor(WindowId),
    /// Pixels of a window changed, in window coordinates.
    Drawn {
        /// The window.
        window: WindowId,
        /// The area, window coordinates.
        area: Rect,
    },
}

/// All windows of all clients, bottom to top.
#[derive(Debug)]
pub struct Scene {
    screen: Size,
    background: Color,
    windows: HashMap<WindowId, Window>,
    stacking: Vec<WindowId>,
}

impl Scene {
    /// An empty screen.
    pub fn new(screen: Size, background: Color) -> Self {
        Self {
            screen,
            background,
            windows: HashMap::default(),
            stacking: Vec::new(),
        }
    }

    /// The screen's size.
    pub fn screen(&self) -> Size {
        self.screen
    }

    /// The screen's background colour.
    pub fn background(&self) -> Color {
        self.background
    }

    /// A window by id.
    pub fn get(&self, id: WindowId) -> Option<&Window> {
        self.windows.get(&id)
    }

    /// A window by id, to change.
    pub fn get_mut(&mut self, id: WindowId) -> Option<&mut Window> {
        self.windows.get_mut(&id)
    }

    /// How many windows exist.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// Whether no window exists.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// All windows, bottom to top.
    pub fn bottom_to_top(&self) -> impl DoubleEndedIterator<Item = &Window> {
        self.stacking.iter().filter_map(|id| self.windows.get(id))
    }

    /// The topmost mapped window under the screen point `(x, y)`.
    pub fn window_at(&self, x: i32, y: i32) -> Option<&Window> {
        self.bottom_to_top()
            .rev()
            .find(|w| w.mapped && w.rect.contains(x, y))
    }

    /// Adds a window on top of the stack.
    pub fn insert(&mut self, window: Window) {
        self.stacking.push(window.id);
        self.windows.insert(window.id, window);
    }

    /// Removes a window.
    pub fn remove(&mut self, id: WindowId) -> Option<Window> {
        let window = self.windows.remove(&id)?;
        // Each window is in the stack once: the search stops at it.
        if let Some(pos) = self.stacking.iter().position(|w| *w == id) {
            self.stacking.remove(pos);
        }
        Some(window)
    }

    /// Moves a window to the top of the stack.
    pub fn raise(&mut self, id: WindowId) {
        if self.stacking.last() == Some(&id) {
            return;
        }
        if let Some(pos) = self.stacking.iter().position(|w| *w == id) {
            self.stacking.remove(pos);
            self.stacking.push(id);
        }
    }

    /// Paints `rect` of the screen into `fb` (which covers the whole screen): background, then
    /// the mapped windows bottom to top.
    pub fn compose(&self, rect: Rect, fb: &mut Framebuffer) {
        let Some(rect) = rect.intersect(&fb.bounds()) else {
            return;
        };
        fb.fill_rect(rect, Color(self.background.0 | 0xff00_0000), true);
        for w in self.bottom_to_top().filter(|w| w.mapped) {
            if let Some(part) = w.rect.intersect(&rect) {
                let src = part.translate(-w.rect.x, -w.rect.y);
                fb.copy_from(&w.fb, src, part.x, part.y);
            }
        }
    }

    /// The screen area a change makes stale, if any.
    pub fn screen_damage(&self, change: &SceneChange) -> Option<Rect> {
        let mapped_rect = |id: &WindowId| self.get(*id).filter(|w| w.mapped).map(|w| w.rect);
        match change {
            SceneChange::Created(_) | SceneChange::Retitled(_) | SceneChange::Cursor(_) => None,
            SceneChange::Destroyed { rect, was_mapped, .. } => was_mapped.then_some(*rect),
            SceneChange::Mapped(id) => mapped_rect(id),
            SceneChange::Unmapped { rect, .. } => Some(*rect),
            SceneChange::Configured { window, old } => {
                let w = self.get(*window).filter(|w| w.mapped)?;
                Some(w.rect.union(old))
            }
            SceneChange::Drawn { window, area } => {
                let w = self.get(*window).filter(|w| w.mapped)?;
                Some(area.translate(w.rect.x, w.rect.y))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(id: u32) -> Window {
        Window {
            id: WindowId(id),
            owner: ClientId(1),
            rect: Rect::new(0, 0, 10, 10),
            title: String::new(),
            mapped: true,
            background: Color::WHITE,
            cursor: CursorShape::Default,
            label: None,
            events: EventMask::ALL,
            fb: Framebuffer::new(Size::new(10, 10), Color::WHITE),
        }
    }

    fn order(scene: &Scene) -> Vec<u32> {
        scene.bottom_to_top().map(|w| w.id.0).collect()
    }

    #[test]
    fn removing_and_raising_keep_the_rest_of_the_stack_in_order() {
        let mut scene = Scene::new(Size::new(100, 100), Color::BLACK);
        for id in 1..=5 {
            scene.insert(window(id));
        }
        assert_eq!(scene.remove(WindowId(3)).map(|w| w.id), Some(WindowId(3)));
        assert_eq!(order(&scene), [1, 2, 4, 5]);
        assert!(scene.remove(WindowId(3)).is_none(), "removed once");
        scene.raise(WindowId(1));
        assert_eq!(order(&scene), [2, 4, 5, 1]);
        scene.raise(WindowId(1));
        assert_eq!(order(&scene), [2, 4, 5, 1], "the top stays the top");
        assert_eq!(scene.window_at(5, 5).map(|w| w.id), Some(WindowId(1)));
        scene.remove(WindowId(1));
        scene.remove(WindowId(2));
        assert_eq!(order(&scene), [4, 5]);
        assert_eq!(scene.window_at(5, 5).map(|w| w.id), Some(WindowId(5)));
        assert_eq!(scene.len(), 2);
    }
}
