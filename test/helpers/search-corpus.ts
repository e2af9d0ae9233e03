/**
 * A corpus with known answers for search tests: short Markdown documents, each about one clearly
 * different topic with its own vocabulary, and questions a person would ask about each. The offline
 * embedder is lexical, so every question shares a few words with its answer, but none copies a sentence.
 */

export interface KnownAnswer {
  question: string;
  /** The document that answers it. */
  path: string;
}

/** The file whose name needs SQL quote escaping in `--path` and `--where`. */
export const QUOTED_PATH = "it's here.md";

export const SEARCH_CORPUS: Readonly<Record<string, string>> = {
  'kitchen/sourdough.md': `# Sourdough bread

## Feeding the starter

A sourdough starter is flour and water colonised by wild yeast and lactobacilli. Feed it twice a day at
room temperature; it is ready when it doubles within six hours and smells pleasantly sour. A starter that
smells of nail polish is hungry: feed it more often.

## Proofing and baking

After shaping, proof the dough in a floured banneton. A cold proof overnight in the fridge gives a more
open crumb and a tangier loaf. Bake in a preheated Dutch oven at 250 °C with the lid on for twenty minutes
so the steam lets the loaf spring, then uncover it to brown the crust.
`,
  'kitchen/espresso.md': `# Pulling a good espresso

## Grind and dose

Espresso depends on grind size more than on the machine. Weigh the dose, usually 18 grams of coffee in the
portafilter, distribute it evenly and tamp level.

## Reading the shot

Aim for about 36 grams in the cup after 25 to 30 seconds of extraction. A fast shot tastes sour and thin
with pale crema: grind finer. A slow shot tastes bitter and harsh: grind coarser. Fresh beans, roasted in
the last month, give thicker crema.
`,
  'kitchen-garden/herbs.md': `# Herbs on a windowsill

Basil, parsley and chives grow happily in pots on a sunny windowsill. Water basil when the top of the
compost feels dry, never leave the pot standing in water, and pinch out the flower buds so the leaves keep
their flavour. Mint spreads fast: give it a pot of its own.
`,
  'garden/tomatoes.md': `# Growing tomatoes

## Staking and pruning

Cordon tomato plants grow one main stem tied to a stake or string. Pinch out the side shoots, the suckers
that appear where a leaf meets the stem, so the plant puts its energy into fruit. Bush varieties need no
pruning.

## Watering and blight

Water the soil, not the leaves, deeply and regularly: irregular watering splits fruit and causes blossom
end rot. Late blight shows as brown patches on leaves in warm wet weather; remove affected foliage at once.
`,
  'garden/compost.md': `# Making compost

A compost heap needs a mix of greens and browns. Greens are nitrogen: grass clippings, vegetable peelings,
coffee grounds. Browns are carbon: dry leaves, shredded cardboard, straw. Aim for roughly three parts browns
to one part greens by volume.

## Turning and moisture

Turn the pile every week or two to let air in; a heap that smells of ammonia has too many greens. Keep it
as damp as a wrung-out sponge. Brandling worms speed things up, and finished compost is dark and crumbly.
`,
  'garden/beekeeping.md': `# Keeping bees

## Inspecting the hive

Open the beehive on a calm warm day and use the smoker gently. Look for eggs, which show the queen is
laying, and for queen cells along the bottom of the frames, which warn of swarming.

## Varroa mites

Varroa mites feed on bees and spread viruses. Count the mite drop on a sticky board under a mesh floor.
Treat with oxalic acid in winter, when the colony has no brood, or with formic acid strips in late summer
after the honey harvest.
`,
  'travel/japan-rail.md': `# Travelling Japan by rail

The Japan Rail Pass covers most shinkansen bullet trains between Tokyo, Kyoto and Osaka, but not the
fastest Nozomi services. Activate the pass at a JR office on your first travel day.

## Seat reservations

Seat reservations are free with the pass; book them at a ticket machine or counter. Unreserved cars exist
on most trains, but in Golden Week and at New Year they fill up, so reserve ahead. Large suitcases need an
oversized baggage seat on the Tokaido line.
`,
  'travel/packing.md': `# Packing light

Travel with one carry-on bag for a week or a month: the packing list is the same. Choose clothes in two
or three colours that all combine, and wear the bulkiest shoes and jacket on the plane.

## Packing cubes and toiletries

Packing cubes keep outfits together and compress clothes. Roll soft items, fold shirts. Liquids go in a
single clear bag of 100 millilitre bottles; solid shampoo and soap bars avoid that limit altogether. Do
laundry in a sink once a week instead of carrying more.
`,
  'travel/jet-lag.md': `# Beating jet lag

Jet lag is your circadian rhythm out of step with local time. Flying east is harder than flying west,
because the body clock must advance.

## Light and melatonin

Morning sunlight at the destination is the strongest signal to shift the clock after an eastward flight;
avoid bright light in the evening. A small dose of melatonin taken at local bedtime helps for a few days.
Stay awake until evening on arrival and keep naps under twenty minutes.
`,
  'tech/git-rebase.md': `# Rewriting history with git rebase

## Interactive rebase

Run \`git rebase -i HEAD~5\` to edit the last five commits. In the todo list, mark commits as squash or
fixup to fold them into the previous one, reword to change a message, or drop to delete one. Save and
close the editor to replay them.

## Conflicts and force push

When a conflict stops the rebase, fix the files, \`git add\` them and run \`git rebase --continue\`, or
\`git rebase --abort\` to go back. A rebased branch needs \`git push --force-with-lease\`, which refuses to
overwrite work someone else pushed.
`,
  'tech/docker-volumes.md': `# Docker volumes

A container's writable layer disappears when the container is removed. Data that must survive goes in a
volume or a bind mount.

## Named volumes and bind mounts

Docker manages named volumes under /var/lib/docker/volumes; create one with \`docker volume create\` and
mount it with \`-v pgdata:/var/lib/postgresql/data\`. A bind mount maps a host folder into the container
instead, which suits source code during development. \`docker volume prune\` deletes unused volumes.
`,
  'tech/ssh-keys.md': `# SSH keys

## Creating a key pair

Generate a key pair with \`ssh-keygen -t ed25519\` and protect the private key with a passphrase. The
public key ends in .pub and is safe to share.

## Logging in without a password

Copy the public key to a server with \`ssh-copy-id user@host\`; it appends the key to
~/.ssh/authorized_keys. Load the private key into ssh-agent once per session so you type the passphrase
only once. Permissions matter: ~/.ssh must be 700 and authorized_keys 600.
`,
  'tech/postgres-vacuum.md': `# Postgres vacuum and bloat

Every update and delete in Postgres leaves a dead tuple behind. VACUUM marks that space reusable; without
it, tables and indexes bloat and keep growing on disk.

## Tuning autovacuum

Autovacuum runs VACUUM and ANALYZE by itself once enough rows change. For a large, busy table lower
autovacuum_vacuum_scale_factor so it runs sooner. Check pg_stat_user_tables for n_dead_tup and
last_autovacuum. Long-running transactions stop vacuum from removing dead tuples.
`,
  'fitness/marathon.md': `# Training for a marathon

A first marathon plan lasts sixteen to twenty weeks. Build weekly mileage slowly, by about ten percent a
week, from around 25 miles to a peak near 40 to 50 miles.

## Long runs and taper

The long run grows to 20 miles three weeks before race day. Run most miles at an easy conversational pace,
with one tempo run a week. Taper over the final three weeks: cut mileage, keep some pace, and sleep more.
`,
  'health/sleep.md': `# Sleeping well

## Caffeine and alcohol

Caffeine has a half-life of around five hours, so an afternoon coffee is still in your blood at bedtime.
Stop coffee, tea and cola after noon if you struggle to fall asleep. Alcohol makes you drowsy but breaks
up sleep later in the night.

## The bedroom

Keep the bedroom cool, dark and quiet, and get up at the same time every day, weekends included. If you
lie awake for more than twenty minutes, get out of bed and read until you feel sleepy.
`,
  'money/budget.md': `# A household budget

List fixed costs first: rent or mortgage, utilities, insurance, loan repayments. Then give every remaining
pound a job: groceries, transport, savings, fun.

## Emergency fund

Before investing, build an emergency fund worth three to six months of essential expenses in an instant
access savings account. Self-employed people with uneven income should aim for the top of that range.
`,
  'money/index-funds.md': `# Investing with index funds

An index fund tracks a market index such as the S&P 500 or a global all-cap index instead of picking
stocks, so it costs little to run.

## Fees and diversification

Compare the expense ratio, the yearly fee as a share of what you hold: under 0.2 percent is cheap, above
one percent eats a large part of long-term returns. A single global equity ETF spreads your money over
thousands of companies. Rebalance once a year against your bond allocation.
`,
  'music/guitar-tuning.md': `# Tuning a guitar

Standard tuning, from the thickest string, is E A D G B E. Clip-on tuners read the vibration of the
headstock and work in noisy rooms.

## Alternate tunings

For drop D, tune only the low sixth string down a whole step from E to D; power chords then take one finger.
Open G tuning suits slide guitar. A capo raises every string by the same number of frets without retuning.
`,
  'pets/puppy-training.md': `# Training a puppy

## House training

Take the puppy outside after every meal, nap and play session, and reward it with a treat the moment it
goes in the right place. Crate training helps, because dogs avoid soiling their bed.

## Walking on a loose leash

When the puppy pulls on the leash, stop and stand still; walk on only when the lead is slack. Reward it for
walking at your side. Short, frequent sessions beat long ones.
`,
  [QUOTED_PATH]: `# The lighthouse keeper's logbook

Entries from the keeper of the Skerry Point lighthouse: lamp trimmed at dusk, the foghorn sounded through
the night, a schooner sheltered in the lee of the rocks until the gale passed.
`,
};

/** At least ten questions whose answer is known. */
export const KNOWN_ANSWERS: readonly KnownAnswer[] = [
  { question: 'how long should I proof sourdough dough before I bake it', path: 'kitchen/sourdough.md' },
  { question: 'why does my espresso taste sour with hardly any crema', path: 'kitchen/espresso.md' },
  { question: 'how often should I water basil on the windowsill', path: 'kitchen-garden/herbs.md' },
  { question: 'should I remove the suckers from my tomato plants', path: 'garden/tomatoes.md' },
  { question: 'what ratio of greens to browns goes in a compost pile', path: 'garden/compost.md' },
  { question: 'how do I get rid of varroa mites in a beehive', path: 'garden/beekeeping.md' },
  { question: 'do I need a seat reservation on the shinkansen with a rail pass', path: 'travel/japan-rail.md' },
  { question: 'how can I fit a week of clothes into a carry-on', path: 'travel/packing.md' },
  { question: 'does melatonin help with jet lag after flying east', path: 'travel/jet-lag.md' },
  { question: 'how do I squash several commits into one', path: 'tech/git-rebase.md' },
  { question: 'where does docker keep my data when a container is removed', path: 'tech/docker-volumes.md' },
  { question: 'how do I copy my ssh key to a server so I can log in without a password', path: 'tech/ssh-keys.md' },
  { question: 'my postgres table keeps growing, is autovacuum broken', path: 'tech/postgres-vacuum.md' },
  { question: 'how many miles a week should I run when training for a marathon', path: 'fitness/marathon.md' },
  { question: "I can't fall asleep after an afternoon coffee", path: 'health/sleep.md' },
  { question: 'how big should my emergency fund be', path: 'money/budget.md' },
  { question: 'what expense ratio is too high for an index fund', path: 'money/index-funds.md' },
  { question: 'how do I tune my guitar to drop D', path: 'music/guitar-tuning.md' },
  { question: 'how do I stop my puppy pulling on the leash', path: 'pets/puppy-training.md' },
];
