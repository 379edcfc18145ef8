// Vitest runs beside cargo builds and browser tests on a two-core CI machine: a screen
// that renders in 100 ms alone can take seconds there. Waits give up after 5 s instead of
// testing-library's 1 s, so a slow machine is not mistaken for a broken screen.
import { configure } from "@testing-library/dom";

configure({ asyncUtilTimeout: 5_000 });
