/**
 * The Connect Four tab, as the page mounts it: a placeholder until the tab is first shown, then the
 * tab itself (./tab.ts), loaded by a dynamic import. The tab brings webgpu-rl/games (the env's
 * WGSL, Elo) with it, so a visitor who never opens it never downloads them and the page's first
 * load is no bigger for it.
 */
import { probe, type DemoContext, type Panel } from '../context';

class ConnectFourPanel implements Panel {
  private root!: HTMLElement;
  private context!: DemoContext;
  private loading: Promise<void> | null = null;

  mount(root: HTMLElement, context: DemoContext): void {
    this.root = root;
    this.context = context;
    root.innerHTML = '<p class="explain" data-role="c4-loading">loading Connect Four…</p>';
  }

  show(): void {
    this.loading ??= import('./tab').then(
      ({ mountConnectFour }) => mountConnectFour(this.root, this.context),
      (error: unknown) => {
        // A failed download (offline, a stale deploy) may succeed on the next visit to the tab.
        this.loading = null;
        const message = error instanceof Error ? error.message : String(error);
        this.root.querySelector('[data-role="c4-loading"]')!.textContent = `Connect Four failed to load: ${message}`;
        probe().connectFour = { error: message };
        console.error(`connect four: ${message}`);
      },
    );
  }
}

export const connectFourPanel: Panel = new ConnectFourPanel();
