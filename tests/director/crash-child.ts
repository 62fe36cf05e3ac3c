// Child process for the crash-safety tests: opens the Director in DIR and assigns a
// target, killing itself with SIGKILL at the named point of the publication.
// Usage: node --import tsx crash-child.ts DIR VIN SERIAL TARGET HARDWARE_ID POINT
import { Director } from "../../backend/director/director.ts";
import { FakeImageRepo } from "./fixture.ts";

const [dir, vin, serial, target, hardwareId, point] = process.argv.slice(2) as [string, string, string, string, string, string];
const images = new FakeImageRepo();
images.add(target, [hardwareId], 1);
const die = () => process.kill(process.pid, "SIGKILL");
const director = Director.open(dir, { imageTargets: images, faults: { [point]: die } });
await director.assign(vin, serial, target);
console.log("finished without being killed");
