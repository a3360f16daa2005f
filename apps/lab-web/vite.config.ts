import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `base: './'` keeps asset URLs relative, so the Lab server can mount the page at `/` or `/lab/`.
// In development, `npm run dev -w apps/lab-web` proxies the API to a Lab server on LAB_SERVER.
const labServer = process.env['LAB_SERVER'] ?? 'http://127.0.0.1:8080'

export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/v1': { target: labServer, ws: true } } },
})
