"""Writes Tests/FedRecCLITests/Fixtures/small/u.data: a tiny MovieLens-100K-format file
(40 users, 30 items, a planted rank-2 model plus noise) for the CLI end-to-end tests.
Run once; the output is committed. Deterministic (fixed seed), standard library only."""
import random, os
rng = random.Random(7)
users, items = 40, 30
pu = [[rng.gauss(0, 0.8) for _ in range(2)] for _ in range(users)]
qi = [[rng.gauss(0, 0.8) for _ in range(2)] for _ in range(items)]
bu = [rng.gauss(0, 0.3) for _ in range(users)]
bi = [rng.gauss(0, 0.3) for _ in range(items)]
lines = []
t = 880000000
for u in range(users):
    for i in rng.sample(range(items), rng.randint(8, 16)):
        score = 3.5 + bu[u] + bi[i] + sum(a * b for a, b in zip(pu[u], qi[i])) + rng.gauss(0, 0.4)
        r = min(5, max(1, round(score)))
        t += rng.randint(1, 5000)
        lines.append(f"{u + 1}\t{i + 101}\t{r}\t{t}")
os.makedirs("Tests/FedRecCLITests/Fixtures/small", exist_ok=True)
with open("Tests/FedRecCLITests/Fixtures/small/u.data", "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(lines), "ratings")
