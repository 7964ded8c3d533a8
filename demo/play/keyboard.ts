/**
 * The player's paddle from the keyboard: ← / A move left, → / D move right, nothing (or both) stays.
 * A key tapped and released between two game steps still moves the paddle once: the game steps 20
 * times a second, and a quick tap would otherwise fall between two reads.
 */
import { LEFT, RIGHT, STAY } from './catch-game';

const LEFT_KEYS = new Set(['ArrowLeft', 'a', 'A']);
const RIGHT_KEYS = new Set(['ArrowRight', 'd', 'D']);

export class KeyboardPaddle {
  private left = false;
  private right = false;
  private tappedLeft = false;
  private tappedRight = false;
  private attached = false;

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
    if (LEFT_KEYS.has(event.key)) {
      this.left = true;
      this.tappedLeft = true;
    } else if (RIGHT_KEYS.has(event.key)) {
      this.right = true;
      this.tappedRight = true;
    } else return;
    // The arrows would scroll the page while the player steers.
    event.preventDefault();
  };

  private readonly onKeyUp = (event: KeyboardEvent): void => {
    if (LEFT_KEYS.has(event.key)) this.left = false;
    else if (RIGHT_KEYS.has(event.key)) this.right = false;
  };

  /** A window that loses focus never sees the key-up: let the paddle go. */
  private readonly onBlur = (): void => {
    this.left = this.right = this.tappedLeft = this.tappedRight = false;
  };

  /** Starts listening (while a person plays). */
  attach(): void {
    if (this.attached) return;
    this.attached = true;
    window.addEventListener('keydown', this.onKeyDown);
    window.addEventListener('keyup', this.onKeyUp);
    window.addEventListener('blur', this.onBlur);
  }

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    window.removeEventListener('keydown', this.onKeyDown);
    window.removeEventListener('keyup', this.onKeyUp);
    window.removeEventListener('blur', this.onBlur);
    this.onBlur();
  }

  /** The action for the next step; consumes the taps seen since the last call. */
  take(): number {
    const left = this.left || this.tappedLeft;
    const right = this.right || this.tappedRight;
    this.tappedLeft = this.tappedRight = false;
    if (left === right) return STAY;
    return left ? LEFT : RIGHT;
  }
}
