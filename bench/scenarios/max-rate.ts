// Closed model at full speed: each user sends GET / back to back (no think time).
import { constant, defineScenario } from 'volley';

export default defineScenario({
  users: [{
    waitTime: constant(0),
    tasks: [{ run: async ({ http }) => { await http.get('/', { name: 'root' }); } }],
  }],
});
