import { defineConfig } from "vite";

// 'assets' is the ArcGIS SDK's own folder name: the app's bundles go elsewhere.
export default defineConfig({
  build: { assetsDir: "app", chunkSizeWarningLimit: 10000 },
});
