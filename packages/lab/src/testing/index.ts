/** Test helpers for the Lab: a real-socket client and a stand-in OAuth provider. */
export { FrameSocket, LabClient, waitFor } from './lab-client.js'
export { startFakeGitHub, type FakeGitHub, type FakeGitHubUser } from './fake-github.js'
