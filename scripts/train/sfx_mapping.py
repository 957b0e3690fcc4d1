"""Reviewed mapping from file and folder names of Debian sound packages to classes and captions.

Each rule is (package regex, path regex, class, caption phrase). A file's path is taken relative to its
package tree, lower-cased; the FIRST rule that matches wins, a file that matches none is not used
(the mapping is deliberately conservative: a wrong caption teaches the model a wrong word).
Rules were written by reading every name list (`python3 sfx_mapping.py --review CACHE` prints, per
package, what each file became and what was skipped, with counts per class).

Classes are coarse groups for the class-aware loss and the per-class tables; the caption phrase is
what the text tower is trained on (one of the class's synonyms is used as well, see CLASSES).
"""
import os, re, sys

# class -> caption synonyms (the first is the class name used in tables)
CLASSES = {
    "footsteps": ["footsteps", "walking", "steps", "someone walking"],
    "door": ["a door", "a door opening", "a door closing", "door slam"],
    "glass breaking": ["glass breaking", "shattering glass", "breaking glass"],
    "wood breaking": ["wood breaking", "cracking wood", "splintering wood"],
    "chopping wood": ["chopping wood", "an axe chopping", "woodcutting"],
    "tree falling": ["a tree falling", "timber crashing down"],
    "explosion": ["explosion", "a blast", "an explosion", "boom", "detonation"],
    "gunshot": ["gunshot", "a gun firing", "gunfire", "shooting", "a shot"],
    "machine gun": ["machine gun", "automatic gunfire", "rapid gunfire"],
    "fire": ["fire", "a crackling fire", "flames burning", "burning"],
    "water": ["water", "flowing water", "running water", "a stream"],
    "water splash": ["splash", "water splashing", "splashing into water"],
    "water drops": ["water drops", "dripping water", "droplets", "a drip"],
    "bubbles": ["bubbles", "bubbling liquid", "bubbling"],
    "ocean waves": ["ocean waves", "waves on the shore", "the sea", "surf"],
    "rain": ["rain", "rainfall", "raining", "a rain shower"],
    "thunder": ["thunder", "a thunderstorm", "thunder rumbling", "thunderclap"],
    "wind": ["wind", "wind blowing", "a gust of wind", "howling wind"],
    "birds": ["birds", "birds chirping", "birdsong", "birds singing", "a bird"],
    "crow": ["a crow", "crow cawing", "a raven"],
    "seagull": ["seagulls", "gulls crying", "a seagull"],
    "owl": ["an owl", "owl hooting"],
    "chicken": ["a chicken", "hens clucking", "a rooster crowing", "poultry"],
    "duck": ["a duck", "ducks quacking", "a goose"],
    "cow": ["a cow", "cows mooing", "cattle", "a bull"],
    "sheep": ["sheep", "sheep bleating", "a lamb", "a goat"],
    "pig": ["a pig", "pigs oinking", "a boar grunting"],
    "horse": ["a horse", "horse neighing", "hooves", "a horse galloping", "a donkey"],
    "dog": ["a dog", "dog barking", "a barking dog"],
    "wolf": ["a wolf", "wolf howling", "a growling wolf", "a coyote"],
    "cat": ["a cat", "cat meowing"],
    "big cat": ["a lion roaring", "a tiger", "a roar"],
    "bear": ["a bear", "a growling bear"],
    "elephant": ["an elephant", "elephant trumpeting"],
    "deer": ["a deer", "a stag", "a moose", "an elk"],
    "monkey": ["a monkey", "an ape", "a chimpanzee"],
    "whale": ["a whale", "whale song", "a dolphin"],
    "frog": ["a frog", "frogs croaking", "a toad"],
    "insect buzzing": ["insects buzzing", "a bee buzzing", "buzzing", "a mosquito", "a fly buzzing", "bees"],
    "crickets": ["crickets", "crickets chirping", "a grasshopper"],
    "bats": ["bats", "bats squeaking"],
    "rodent": ["a mouse", "a squeak", "a rodent"],
    "monster growl": ["a monster growling", "a creature growling", "a growl"],
    "car": ["a car", "a car engine", "car driving", "traffic", "an engine"],
    "car horn": ["a car horn", "honking", "a horn"],
    "tank": ["a tank", "tank tracks", "a heavy vehicle"],
    "train": ["a train", "a railway", "train passing"],
    "helicopter": ["a helicopter", "helicopter rotor"],
    "airplane": ["an airplane", "a plane flying", "a jet", "an aircraft", "a propeller plane"],
    "rocket": ["a rocket", "a rocket launch", "a missile"],
    "siren": ["a siren", "a police siren", "an emergency siren", "a fire engine"],
    "alarm": ["an alarm", "alarm beeping", "a warning alarm", "an alarm clock", "a klaxon"],
    "machine": ["a machine", "machinery", "a motor humming", "a factory", "an engine humming"],
    "electric": ["electricity", "an electric buzz", "sparks", "electric zap"],
    "laser": ["a laser", "a sci-fi laser", "a zap", "a ray gun"],
    "hammer": ["a hammer", "hammering", "a hammer strike", "pounding"],
    "saw": ["a saw", "sawing", "a saw cutting wood"],
    "metal clang": ["metal clanging", "a metal clang", "clanking metal", "an anvil"],
    "stone": ["stones", "rocks knocking", "stone scraping", "gravel"],
    "impact": ["an impact", "a thud", "a hit", "a punch", "a crash"],
    "sword": ["a sword", "swords clashing", "a blade swinging"],
    "arrow": ["an arrow", "a bow and arrow", "an arrow hitting"],
    "whoosh": ["a whoosh", "a swoosh", "something swinging through the air"],
    "crowd": ["a crowd", "people cheering", "a cheering crowd", "people chatting"],
    "city": ["a city", "city street", "street noise", "urban ambience"],
    "scream": ["a scream", "someone screaming", "a shriek"],
    "pain": ["a grunt of pain", "a person groaning", "someone hurt", "a man grunting"],
    "laughter": ["laughter", "someone laughing", "a laugh"],
    "speech": ["speech", "a person speaking", "a voice talking", "spoken words", "someone talking"],
    "bell": ["a bell", "a bell ringing", "bells", "a ringing bell"],
    "chime": ["a chime", "a notification chime", "a ding", "a jingle"],
    "telephone": ["a telephone ringing", "a phone ringing", "a ringtone", "a phone"],
    "camera shutter": ["a camera shutter", "a camera click", "taking a photo"],
    "click": ["a click", "a mouse click", "a button click", "clicking"],
    "beep": ["a beep", "beeping", "an electronic beep", "a blip"],
    "coin": ["coins", "a coin", "money jingling", "gold coins"],
    "drum": ["drums", "a drum", "a drum hit", "percussion", "a drum beat"],
    "cymbal": ["a cymbal", "a cymbal crash", "hi-hat"],
    "tabla": ["tabla", "indian hand drums"],
    "guitar": ["a guitar", "guitar strumming", "an electric guitar"],
    "piano": ["piano", "a piano note"],
    "violin": ["violin", "a fiddle", "strings"],
    "cello": ["cello", "a bowed cello"],
    "bassoon": ["a bassoon", "a woodwind"],
    "harp": ["harp", "harp glissando"],
    "trumpet": ["a trumpet", "a brass fanfare"],
    "xylophone": ["a xylophone", "a marimba", "mallet percussion"],
    "choir": ["a choir", "voices singing"],
    "bass": ["bass", "a bass synth", "a deep bass note"],
    "synth": ["a synthesizer", "electronic sound", "a synth tone"],
    "vinyl scratch": ["a vinyl scratch", "a record scratching", "turntable scratch"],
    "typing": ["keyboard typing", "typing", "typing on a keyboard", "a keyboard"],
    "toilet": ["a toilet flushing", "a flush"],
    "vacuum cleaner": ["a vacuum cleaner", "vacuuming"],
    "kettle": ["a kettle", "a kettle boiling", "boiling water"],
    "washing machine": ["a washing machine", "a spinning washer"],
    "scissors": ["scissors", "scissors cutting"],
    "fireworks": ["fireworks", "firecrackers"],
    "drone": ["a drone", "a low hum", "an eerie drone", "dark ambience"],
    "forest": ["a forest", "forest ambience", "nature sounds", "countryside"],
    "eating": ["eating", "chewing", "munching", "a gulp"],
    "toy": ["a toy", "a rubber duck squeak", "a squeaky toy", "a spinning top"],
}

# (package regex, path regex, class, caption phrase); first match wins. `\b` cannot be used around `_`
# (a word character), so most patterns use explicit separators.
S = r"(?:^|[/_\-. ])"   # start of a name token
E = r"(?:$|[/_\-. 0-9])"  # end of a name token
RULES = [
    # never: music folders, packed music, UI jingles that are music
    (".*", r"/music/|/tunes/|music_|_music|intro_music|menu_music|highscoremusic|/mp3/", None, None),
    # cube2-data bundles a folder of sounds taken from 0 A.D.: 0ad is reserved for independent evaluation
    ("cube2-data", r"/sounds/0ad/", None, None),
    ("lincity-ng-data", r"firestation", None, None),
    # megaglest: most names are unit events (select/attack/die) of fantasy units; only names that say the sound
    ("megaglest-data", r"(worker|swordman|archer|horseman|technician|summoner|battlemage|initiate|guard|spearman|warrior|archmage|shaman)_ack", "speech", "a character voice speaking"),
    ("megaglest-data", r"/sheep\d*\.|/sheep_die", "sheep", "sheep bleating"),
    ("megaglest-data", r"/(cow|bull)_(ack|die|select)|mudchute_cow", "cow", "a cow mooing"),
    ("megaglest-data", r"/pig_(ack|die|select)", "pig", "a pig grunting"),
    ("megaglest-data", r"/chicken(_ack|_die|_select|_standing)?\d*\.|/rooster", "chicken", "a chicken clucking"),
    ("megaglest-data", r"/owl\d*\.", "owl", "an owl hooting"),
    ("megaglest-data", r"/wolf\d*\.", "wolf", "a wolf howling"),
    ("megaglest-data", r"/bee\d*\.", "insect buzzing", "bees buzzing"),
    ("megaglest-data", r"/hawk\d*\.", "birds", "a hawk screeching"),
    ("megaglest-data", r"/rain\d*\.", "rain", "rain falling"),
    ("megaglest-data", r"/wind\d*\.", "wind", "the wind blowing"),
    ("megaglest-data", r"/water\d*\.", "water", "running water"),
    ("megaglest-data", r"/anvil\d*\.", "hammer", "a hammer on an anvil"),
    ("megaglest-data", r"/arrow_hit|/firearrowhit", "arrow", "an arrow hitting"),
    ("megaglest-data", r"/swordman_attack", "sword", "swords clashing"),
    ("megaglest-data", r"/horseman_walk", "horse", "hooves of a walking horse"),
    ("megaglest-data", r"/ele(attack|walk)?\d*\.", "elephant", "an elephant trumpeting"),
    ("megaglest-data", r"/(night|nightime|day\d|sunny_day|good_morning|desertday)", "forest", "nature ambience"),
    ("megaglest-data", r".", None, None),
    ("lomiri-sounds", r"ringtones/", "telephone", "a ringtone"),
    ("lincity-ng-data", r"windmill", "machine", "a creaking windmill"),
    # ---- speech (real human voices)
    ("tuxpaint-stamps-default", r"_desc(_[a-z_]+)?\.(ogg|wav)$", "speech", "a person speaking a word"),
    ("tuxpaint-stamps-default", r"symbols/math/\d(_[a-z_]+)?\.ogg$", "speech", "a person saying a number"),
    ("tuxpaint-stamps-default", r"symbols/alphabets/.*\.ogg$", "speech", "a person saying a letter"),
    ("ktuberling-data", r"/sounds/[a-z@_]+/.*\.(ogg|wav|opus)$", "speech", "a person saying a word"),
    ("openarena-data", r"/voices/", "speech", "a man speaking"),
    ("openarena-data", r"/announcer/", "speech", "an announcer voice"),
    ("supertux-data", r"/speech/", "speech", "a cartoon voice speaking"),
    ("wordwarvi-sound", r"help_down_here|help_up_here|usethesource|nice_bank_shot|destiny_facedown|yay_santa|hohoho", "speech", "a man shouting words"),
    ("tuxpaint-data", r"areyousure|youcannot|tuxok", "speech", "a voice speaking"),
    ("widelands-data", r"under_attack|site_occupied", "speech", "a voice announcement"),
    # ---- people
    (".*", r"scream|wscream|shriek", "scream", "a person screaming"),
    (".*", r"laugh|giggle", "laughter", "someone laughing"),
    (".*", r"cheering|sportscroud|crowd", "crowd", "a cheering crowd"),
    (".*", r"tavern|biginn|/inn" + E, "crowd", "people chatting in a tavern"),
    (".*", r"(male|female|civ|fem)(hurt|death)|/pain|pain_|vo_teefault_pain|ooooof|ow_my_spine|/grunt|grunts|aaaah|/gasp|/drown|/death\d|/die\d", "pain", "a person groaning in pain"),
    ("ufoai-sound|openarena-data", r"/hurt|/die", "pain", "a creature groaning in pain"),
    (".*", r"burp|gulp|worm-eat|/meal|/ration|munch|chew", "eating", "eating and gulping"),
    # ---- footsteps and movement
    (".*", r"(snow)[_ ]?footstep|footsteps/snow", "footsteps", "footsteps in snow"),
    (".*", r"(gravel)[_ ]?footstep|footsteps/gravel|fs_sand", "footsteps", "footsteps on gravel"),
    (".*", r"(grass|dirt)[_ ]?footstep|footsteps/(grass|dirt)", "footsteps", "footsteps on grass"),
    (".*", r"(sand)[_ ]?footstep|footsteps/sand", "footsteps", "footsteps on sand"),
    (".*", r"(wood)[_ ]?footstep|footsteps/(wood|carpet|linoleum|tile)", "footsteps", "footsteps on a wooden floor"),
    (".*", r"(metal|glass|hard)[_ ]?footstep|footsteps/(metal|clank|mech|stone|boot|step)", "footsteps", "footsteps on a hard floor"),
    (".*", r"(water)[_ ]?footstep|footsteps/(splash|water)", "footsteps", "footsteps splashing through water"),
    (".*", r"foley_foot|man-steps|/stairs|footstep|_walk\d|horseman_walk|dr_walk", "footsteps", "footsteps"),
    # ---- doors
    (".*", r"door.*open|open.*door|fencegate_open|door\d?-open|dr1_strt", "door", "a door opening"),
    (".*", r"door.*close|close.*door|fencegate_close|door\d?-close|dr1_end|doorslam|cardoor", "door", "a door closing"),
    (".*", r"/doors/|sounds/door|perc_door|/creak|windowopen|windowclose|chest_open|chest_close|/locked|turnkey", "door", "a door creaking"),
    # ---- breaking / impacts
    (".*", r"break_?glass|glass_door|breakglass|crystallo-shatter|icecrash", "glass breaking", "glass breaking"),
    (".*", r"breakwood|/wood\.|cracking|mr_treehit", "wood breaking", "wood cracking"),
    (".*", r"tree_falling", "tree falling", "a tree falling"),
    (".*", r"woodcutting|dig_choppy|/axe|blackwood", "chopping wood", "an axe chopping wood"),
    (".*", r"sawmill|benchsaw|/sawing|/saw\.|/saw\d|tools/saw", "saw", "a saw cutting wood"),
    (".*", r"hammer|hammering|/smith|toolsmith|mallet_metal|/anvil|stonemason", "hammer", "hammering"),
    (".*", r"metalbang|/clang|breakmetal|dug_metal|dig_metal|place_node_metal|ironping|goldping|falling_tools|tool_breaks|steel_bar|/tink", "metal clang", "metal clanging"),
    (".*", r"stonebang|stonecutter|stonegrind|gravel_dig|gravel_dug|dig_cracky|dig_crumbly|/dirt\.|place_node_hard|/mortar", "stone", "rocks knocking and scraping"),
    (".*", r"foley_body|body_?impact|bodyslam|/thud|/stomp|/punch|bhit|/kick|new_ground_smack|hitground|/land\d|foley_land|hit_strong|hit_weak|bullet-impact|knife-impact|crunch|/splat|squish|gibimp|iceblock_bump|dug_node|place_node|flop", "impact", "a thud"),
    (".*", r"wp_hammer_swing|ninja_attack|swoosh|woosh|/swing|perc_swash|/whoosh|flip\.", "whoosh", "a whoosh"),
    (".*", r"swordman_attack|/sword|ninja_hit|/knife\d", "sword", "a sword clashing"),
    (".*", r"arrow|/bow\.", "arrow", "an arrow hitting"),
    # ---- weapons and explosions
    (".*", r"machinegun|machgf|minigun|vulcan|flak_gun|gunwheel", "machine gun", "machine gun fire"),
    (".*", r"shotgun|shotty|sshot|pistol|rifle|wp_gun_fire|/shot\.|synthetic_gunshot|combat-gun|cannon|shoot/(small|medium|large|xlarge)|/shoot\.|dartfire", "gunshot", "a gunshot"),
    (".*", r"explo|explode|/exp\.|nuke|/boom|cineboom|meteor|/quake|flak_hit|tnt_explode|riftcollapse|shockwave|/bang\.|volcano|napalm|explosions/(small|medium|large|xlarge|tank|dirt|gas)", "explosion", "an explosion"),
    (".*", r"fireworks|firecracker", "fireworks", "fireworks"),
    (".*", r"rocket|missile|/launch|rlauncher|glauncher|flump_launch|jetwash|rocklf|rockfly", "rocket", "a rocket launching"),
    (".*", r"laser|plasma|railgun|/bfg|lasfly|hyprbf|tesla|teleport|beamup|/warp", "laser", "a sci-fi laser zap"),
    # ---- fire and water
    (".*", r"fire_extinguish|/sizzle|/fizz|fizzle|/steam|cool_lava|/pshit", "fire", "a hiss of steam"),
    (".*", r"/fire|fire_|fire\d|firesoft|smallfire|/burn|burning|flame|furnace|wicker_fire|/lava|fry\.|campfire", "fire", "a crackling fire"),
    (".*", r"waterfall|waterfontain|fountain|/water|water\d|_water|env_sounds_water|harbor|parklandlake|curnt", "water", "running water"),
    (".*", r"splash|watr_in|watr_out|water_in|water_out|water-impact|waterbullet", "water splash", "water splashing"),
    (".*", r"drip|/drops|droplet", "water drops", "water dripping"),
    (".*", r"bubble|blubber|gloop|/gurp|watr_un|water_under", "bubbles", "bubbling water"),
    (".*", r"oceanwaves|/waves", "ocean waves", "ocean waves"),
    (".*", r"/rain", "rain", "rain falling"),
    (".*", r"thunder|lightning", "thunder", "thunder"),
    (".*", r"wind|arcticwind|windgust|demonwind|tree_howling", "wind", "the wind blowing"),
    # ---- animals
    (".*", r"crickets|cricket|grasshopper", "crickets", "crickets chirping"),
    (".*", r"/bees|bee\.|bee\d|beesting|hornet|mosquito|xanthia|cockchafer", "insect buzzing", "insects buzzing"),
    (".*", r"/bats|bat_left", "bats", "bats squeaking"),
    (".*", r"/crow|misc_crow|blackbird|canary", "crow", "a crow cawing"),
    (".*", r"gull", "seagull", "seagulls"),
    (".*", r"/owl", "owl", "an owl hooting"),
    (".*", r"rooster|chicken|/hen\.", "chicken", "a rooster crowing"),
    (".*", r"/duck|/drake|/gander|critters/duck", "duck", "ducks quacking"),
    (".*", r"birdchirp|/bird|birds|/lark|/cuckoo|tucan|quetzal|nandou|penguin|turkey|vulture|heron|eagle|/hawk", "birds", "birds chirping"),
    (".*", r"/cows?\.|/moo|cow_|/bull|bison|farm/ox|mudchute_cow|/ox\d", "cow", "a cow mooing"),
    (".*", r"sheep|/goat|mountaingoat|/ram\.", "sheep", "sheep bleating"),
    (".*", r"/pig|boar", "pig", "a pig grunting"),
    (".*", r"horse|donkey|zebra|/camel|dromedary", "horse", "a horse neighing"),
    (".*", r"/dog|dogs/dog", "dog", "a dog barking"),
    (".*", r"wolf|coyote|/fox\.", "wolf", "a wolf howling"),
    (".*", r"blackcat|/cat\.|gummy-cat", "cat", "a cat meowing"),
    (".*", r"/lion|/tiger", "big cat", "a lion roaring"),
    (".*", r"/bear\.", "bear", "a bear growling"),
    (".*", r"elephant", "elephant", "an elephant trumpeting"),
    (".*", r"moose|/stag|/deer|/doe\.|caribou", "deer", "a deer calling"),
    (".*", r"chimp|gorilla", "monkey", "an ape hooting"),
    (".*", r"whale|orca|dolphin|sea_lion", "whale", "a whale calling"),
    (".*", r"frog", "frog", "frogs croaking"),
    (".*", r"/mouse\.|squirrel|rabbit|beaver|ferret|wombat|koala|badger", "rodent", "a small animal squeaking"),
    (".*", r"/growl|zombie|yeti_roar|yeti_gna|monster|behemoth_attack|ortnok/attack|bloodspider/attack|snake_attack|dragon_attack", "monster growl", "a monster growling"),
    (".*", r"farm_animal", "cow", "farm animals"),
    # ---- vehicles and machines
    (".*", r"carhorn|klaxon-funny", "car horn", "a car horn"),
    (".*", r"policecar|firetruck|/siren", "siren", "a siren"),
    (".*", r"klaxon|missile_alarm|alarm|basealert|lowbattery", "alarm", "an alarm"),
    (".*", r"helicopter|apache", "helicopter", "a helicopter"),
    (".*", r"/f16|/f18|/jet|cessna|/t38|/plane|airship_fly|orni_fly|evil_dragon_fly|/para\.", "airplane", "an airplane flying"),
    (".*", r"railtrain|/train|carts_cart_moving", "train", "a train"),
    (".*", r"tankmove|tank-move|movement/(turn|elevate|movement|power)", "tank", "a tank moving"),
    (".*", r"engine-car|engine-start|engine-vehicle|vehicle-sound|trafic|celica|/skid", "car", "a car engine"),
    (".*", r"citysounds|ambient/city|city_abnd|sand-city|marketfull|marketmed|residentialhigh", "city", "a busy city street"),
    (".*", r"factoryloop|machinery|industry|/machine|minepump|mill_turning|windmill|/mill\d|coalmine|oremine|wind_turbine|powercoal|generator|3d_printer|goldspin|/weaving|/weaver|scythe|sharpening|submarine", "machine", "machinery running"),
    (".*", r"electro|sparks|zzzt|/hum\d|_hum|powerline|substation|breakelectric|electric|radiation|tv_static", "electric", "an electric buzz"),
    (".*", r"ambient/forest|ambient/country|/night|/day\d|sunny_day|good_morning|desertday|nightime|ambient/swamp|parklandplane|/green\d|farm\d|organicfarm", "forest", "nature ambience"),
    (".*", r"drone|droning|x_ominous|x_forbidden|ancientsdrone|rumbledrone|ambi_dark|ambi_haunted|ambient/horror|ambient/space|alienatmo|ufo_night|ambi_drone|ambi_lunar", "drone", "an eerie drone"),
    # ---- household
    (".*", r"toilet", "toilet", "a toilet flushing"),
    (".*", r"vacuum", "vacuum cleaner", "a vacuum cleaner"),
    (".*", r"kettle", "kettle", "a kettle boiling"),
    (".*", r"washing-machine", "washing machine", "a washing machine"),
    (".*", r"scissors", "scissors", "scissors cutting"),
    (".*", r"rubberduck|dreydl|/gift|hard_candy|trampoline|rubberband|timpani_boing", "toy", "a squeaky toy"),
    (".*", r"camera_click|camera_35mm|misc/camera|camera_focus", "camera shutter", "a camera shutter"),
    (".*", r"keyclick", "typing", "a key press on a keyboard"),
    (".*", r"typewriterbell|savebell|perc_bell|elec_bell|/bell|tubular|minarett", "bell", "a bell ringing"),
    (".*", r"phone_ring|phone-ring|sounds/phone|mehackit_phone|ringtones/(call|ubports|ubuntu)", "telephone", "a telephone ringing"),
    (".*", r"ringtones/", "telephone", "a ringtone"),
    (".*", r"notifications/|oxygen-|elec_chime|/jingle|tada|/coin|coins|us_quarter|/gold\d?\.|/message\d|lobby_|/secret|/save\.|lifeup|extralife|upgrade|/grow|welldone|excellent", "chime", "a notification chime"),
    (".*", r"/beep|elec_beep|elec_blip|elec_ping|/bleep|radar_|/blip|/prompt|text\.wav|mine-tick|wstbtick|lockon", "beep", "an electronic beep"),
    (".*", r"/click|click_|tech_click|magic_click|butn|/switch\d?\.|/select|hover\.|elec_tick|perc_snap|/pop\.|/pop\d|/change\.|/return\.|/move\.|/scroll", "click", "a click"),
    # ---- music samples (real instruments)
    (".*", r"cymbal|drum_splash|cymbaly", "cymbal", "a cymbal crash"),
    (".*", r"tabla", "tabla", "tabla drums"),
    (".*", r"/bd_|drum_|/sn_|elec_(hollow|soft)_kick|_snare|/kik|beatbox|loop_(amen|breakbeat|compus|perc|mika|safari)|drumkit|drum_tomtom|/percussion|glitch_perc|elec_fuzz_tom|can_1", "drum", "a drum beat"),
    (".*", r"guit_|guitar", "guitar", "a guitar"),
    (".*", r"ambi_piano|/piano|electric-piano|klavichord|cembalo|rhodes", "piano", "a piano"),
    (".*", r"/violin|vla_g_major", "violin", "a violin"),
    (".*", r"/cello|violoncello", "cello", "a cello"),
    (".*", r"bassoon", "bassoon", "a bassoon"),
    (".*", r"/harp", "harp", "a harp"),
    (".*", r"trumpet", "trumpet", "a trumpet"),
    (".*", r"xylo|marimba|musical_glasses|ambi_glass|glass-water", "xylophone", "a xylophone"),
    (".*", r"choir", "choir", "a choir singing"),
    (".*", r"/bass_|glitch_bass", "bass", "a deep bass synth"),
    (".*", r"vinyl", "vinyl scratch", "a vinyl record scratching"),
    (".*", r"elec_|glitch_robot|mehackit_robot|loop_(electric|industrial|garzul|weirdo|drone|mehackit)|ambi_soft_buzz|chord-|sintesis", "synth", "an electronic synth sound"),
]
_RULES = [(re.compile(p), re.compile(r), c, cap) for p, r, c, cap in RULES]
for _, _, c, _ in _RULES:
    assert c is None or c in CLASSES, c


def rel_path(pkg, path):
    """Lower-cased path inside the package tree, from the data folder on ('usr/share/games/x/' dropped)."""
    p = path.replace("\\", "/").lower()
    p = re.sub(r"^usr/share/(games/)?", "/", p)
    return p


def classify(pkg, path):
    """(class, caption phrase) or (None, None) for a file of `pkg` at `path` (relative to the package tree)."""
    p = rel_path(pkg, path)
    for pr, rr, c, cap in _RULES:
        if pr.fullmatch(pkg) and rr.search(p):
            return c, cap
    return None, None


AUDIO = re.compile(r"\.(wav|ogg|oga|flac|mp3|opus|wv)$", re.I)


def scan(cache):
    """[(pkg, path relative to CACHE/x/PKG, class, caption)] for every audio file of every gathered package."""
    from sfx_sources import SOURCES
    out = []
    for pkg in SOURCES:
        root = os.path.join(cache, "x", pkg)
        if not os.path.isdir(root):
            continue
        for d, _, files in os.walk(root):
            for f in sorted(files):
                if AUDIO.search(f):
                    rel = os.path.relpath(os.path.join(d, f), root)
                    c, cap = classify(pkg, rel)
                    out.append((pkg, rel, c, cap))
    out.sort()
    return out


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    from collections import Counter
    cache = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../../../cache-model")
    rows = scan(cache)
    verbose = "--review" in sys.argv
    for pkg in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == pkg]
        used = [r for r in mine if r[2]]
        print(f"== {pkg}: {len(used)} of {len(mine)} files mapped")
        if verbose:
            for _, rel, c, cap in mine:
                if c and c != "speech":
                    print(f"   {c:16s} {cap:34s} {rel_path(pkg, rel)}")
            skipped = [rel_path(pkg, r[1]) for r in mine if not r[2]]
            print("   skipped:", " ".join(os.path.basename(s) for s in skipped[:400]))
    print(Counter(r[2] for r in rows if r[2]).most_common())
